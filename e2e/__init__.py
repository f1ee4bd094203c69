"""End-to-end tests: the controller as a real process against a real local control plane.

The control plane comes from ``hack/cluster.sh`` (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok faking one Node); the helpers live in :mod:`e2e.harness`, the fixtures in
``e2e/conftest.py``.
"""
