# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ServiceAccount's token from the TokenRequest API (``POST serviceaccounts/<name>/token``).

Kubernetes makes no token Secret for a ServiceAccount from 1.24 on; the TokenRequest API (served since 1.20
with the API server's ``--service-account-issuer`` / ``--service-account-signing-key-file``, as the test bed
starts it) works on every version, without kube-controller-manager.
"""


def service_account_token(kube, namespace, name, seconds=3600):
    """A bound token of ServiceAccount ``namespace/name`` for the API server's default audience."""
    from kubernetes import client
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {"expirationSeconds": seconds}}
    response = client.CoreV1Api(kube.client).create_namespaced_service_account_token(name, namespace, body)
    token = response.status.token
    assert token, "TokenRequest for %s/%s returned no token" % (namespace, name)
    return token
