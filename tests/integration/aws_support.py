# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS helpers and fixtures of the integration tests: moto reset, boto3 clients, a real self-signed certificate,
the gateway Service manifest, the Ingress reader, and the ``aws`` / ``lb_controller`` / ``unique`` fixtures
(the stand-in AWS Load Balancer Controller itself is aws_controller.py). No test lives here."""

import urllib.request
import uuid

import pytest

from aws_controller import CLUSTER, REGION, FakeLoadBalancerController, aws_clients


def moto_reset(endpoint_url):
    """Forget everything moto holds (between tests)."""
    req = urllib.request.Request(endpoint_url.rstrip("/") + "/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def self_signed_pem(common_name, sans=()):
    """A real certificate and key (PEM) for ACM's import_certificate."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=90)))
    dns = [x509.DNSName(n) for n in [common_name] + list(sans)]
    builder = builder.add_extension(x509.SubjectAlternativeName(dns), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()))


def gateway_service_manifest(namespace, name="istio-ingress", svc_type="NodePort", annotations=None,
                             node_ports=None, extra_ports=()):
    """The gateway Service as the gateway chart + gateway_service would make it (ports of Istio's chart)."""
    node_ports = node_ports or {}
    ports = []
    for pname, port, target in (("status-port", 15021, 15021), ("http2", 80, 80), ("https", 443, 443)):
        item = {"name": pname, "port": port, "targetPort": target, "protocol": "TCP"}
        if svc_type != "ClusterIP" and node_ports.get(pname):
            item["nodePort"] = node_ports[pname]
        ports.append(item)
    ports.extend(extra_ports)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "annotations": dict(annotations or {}),
                         "labels": {"app": name, "istio": name.replace("istio-", "")}},
            "spec": {"type": svc_type, "selector": {"app": name, "istio": name.replace("istio-", "")},
                     "ports": ports}}


def read_ingress(kube, namespace, name="edge"):
    """The Ingress as a dict (``kube``: a DynamicClient), or None when it does not exist."""
    res = kube.resources.get(api_version="networking.k8s.io/v1", kind="Ingress")
    try:
        return res.get(name=name, namespace=namespace).to_dict()
    except Exception:  # noqa: BLE001 - NotFound
        return None


@pytest.fixture
def aws(testbed):
    """boto3 clients on the test bed's moto server, emptied before the test."""
    moto_reset(testbed["aws_endpoint_url"])
    return aws_clients(testbed["aws_endpoint_url"])


@pytest.fixture
def lb_controller(testbed, aws):  # pylint: disable=redefined-outer-name
    """The stand-in for the AWS Load Balancer Controller (aws_controller.py)."""
    return FakeLoadBalancerController(testbed["kubeconfig"], testbed["aws_endpoint_url"], REGION, CLUSTER)


@pytest.fixture
def unique():
    return "g-" + uuid.uuid4().hex[:8]
