"""Pickle and skops support: the network is stored as plain arrays."""

import warnings

import torch

from ._network import build_net


class NetworkStateMixin:
    """``__getstate__`` / ``__setstate__`` with no pickled torch objects.

    skorch pickles its module with Python's pickle; here the network is kept
    as its constructor arguments and weights (numpy arrays), so that
    ``skops.io`` can load a fitted estimator without running pickle code.
    The skorch training history and optimizer state are not kept.
    """

    def __getstate__(self):
        """State with the network as plain arrays, for pickle and skops."""
        state = dict(super().__getstate__())  # a copy: the live estimator keeps net_
        net = state.pop("net_", None)
        if net is not None:
            state["_network"] = {
                "module_params": net.get_params_for("module"),
                "weights": {
                    name: tensor.detach().cpu().numpy()
                    for name, tensor in net.module_.state_dict().items()
                },
                "device": str(net.device),
            }
        return state

    def __setstate__(self, state):
        network = state.pop("_network", None)
        super().__setstate__(state)
        if network is not None:
            self.net_ = self._rebuild_net(network)

    def _rebuild_net(self, network):
        device = torch.device(network["device"])
        if device.type == "cuda" and not torch.cuda.is_available():
            warnings.warn(
                f"{type(self).__name__} was saved on {device} but CUDA is not "
                "available: it runs on the CPU.",
                UserWarning,
                stacklevel=3,
            )
            device = torch.device("cpu")
        module_params = dict(network["module_params"])
        for name in ("hidden_layer_sizes", "image_shape"):
            if module_params.get(name) is not None:  # skops may return lists
                module_params[name] = tuple(module_params[name])
        net = build_net(
            self,
            self._network_class(),
            module_params,
            device,
            valid_split=None,
            corruption=None,
            epochs=1,
            training=False,
        )
        with torch.random.fork_rng(devices=[]):  # initialize() draws random weights
            net.initialize()
        weights = {name: torch.from_numpy(value) for name, value in network["weights"].items()}
        net.module_.load_state_dict(weights)
        net.module_.eval()
        return net
