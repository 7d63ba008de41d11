"""The app's training loop on the CUDA back end: chunks of epochs and live edits upload the
training set once (the session keeps it on the device), not once per chunk."""
import numpy as np

from fastnn.backends import numba_cuda
from fastnn_gui import data
from fastnn_gui.settings import Settings
from fastnn_gui.training_run import TrainingRun


def test_chunks_and_live_edits_upload_the_training_set_once(monkeypatch):
    uploads = []
    real = numba_cuda.cuda.to_device

    def counting(array, *args, **kwargs):
        uploads.append(array)
        return real(array, *args, **kwargs)

    monkeypatch.setattr(numba_cuda.cuda, "to_device", counting)
    problem = data.load(data.DataRequest(n_samples=24))
    settings = Settings(backend="cuda", batch_size=6)
    run = TrainingRun(problem, settings)
    X, Y = run.session._X, run.session._Y
    for chunk in range(3):
        run.train(1)
        settings = settings.copy(lr=0.01 * (chunk + 1), reg_rate=0.001 * chunk,
                                 regularization="L2", dropout=0.1 * chunk)
        assert run.update_settings(settings) == "live"
        run.evaluate()                         # test loss, train/test accuracy
    assert run.epoch == 3 and len(run.acc_train) == 3
    assert sum(a is X for a in uploads) == 1 and sum(a is Y for a in uploads) == 1
    assert not any(isinstance(a, np.ndarray) and a.shape == X.shape and a is not X
                   and np.array_equal(a, X) for a in uploads), "a copy of X went to the device"
    run.close()
