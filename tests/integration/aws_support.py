# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS helpers and fixtures of the integration tests: moto reset, boto3 clients, a real self-signed certificate,
the gateway Service manifest, the Ingress and event readers, and the ``aws`` / ``lb_controller`` / ``unique`` fixtures
(the stand-in AWS Load Balancer Controller itself is aws_controller.py). No test lives here."""

import urllib.request
import uuid

import pytest

from aws_controller import CLUSTER, REGION, FakeLoadBalancerController, aws_clients
from aws_controller_kube import ensure_ingress_class


def moto_reset(endpoint_url):
    """Forget everything moto holds (between tests)."""
    req = urllib.request.Request(endpoint_url.rstrip("/") + "/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def self_signed_pem(common_name, sans=(), valid_seconds=90 * 86400):
    """A real certificate and key (PEM) for ACM's import_certificate, valid from yesterday until ``valid_seconds``
    from now (a few seconds make a certificate ACM reports EXPIRED soon after the import)."""
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
               .not_valid_after(now + datetime.timedelta(seconds=valid_seconds)))
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


ALB = "alb.ingress.kubernetes.io/"


def alb_args(namespace, **extra):
    """alb_ingress options for the test bed: Ingress edge in front of the gateway Service istio-ingress."""
    args = {"name": "edge", "namespace": namespace, "gateway_service": "istio-ingress", "cluster_name": CLUSTER,
            "hostnames": ["shop.example.com"], "wait_timeout": 60}
    args.update(extra)
    return args


def request_cert(aws, domain, sans=None):  # pylint: disable=redefined-outer-name
    """An ACM certificate in moto (ISSUED on the test bed: MOTO_ACM_VALIDATION_WAIT=0); its ARN."""
    kwargs = {"DomainName": domain, "ValidationMethod": "DNS"}
    if sans:
        kwargs["SubjectAlternativeNames"] = sans
    return aws["acm"].request_certificate(**kwargs)["CertificateArn"]


def read_ingress(kube, namespace, name="edge"):
    """The Ingress as a dict (``kube``: a DynamicClient), or None when it does not exist."""
    res = kube.resources.get(api_version="networking.k8s.io/v1", kind="Ingress")
    try:
        return res.get(name=name, namespace=namespace).to_dict()
    except Exception:  # noqa: BLE001 - NotFound
        return None


def ingress_events(kube, namespace, name="edge"):
    """The events on an Ingress as ``(reason, message)`` (the stand-in controller's FailedBuildModel, ...)."""
    res = kube.resources.get(api_version="v1", kind="Event")
    items = res.get(namespace=namespace, field_selector="involvedObject.kind=Ingress,involvedObject.name=%s"
                    % name).to_dict()["items"]
    return [(e["reason"], e["message"]) for e in items]


def install_alb_ingress_class(testbed):
    """IngressClass alb of controller ingress.k8s.aws/alb, as the AWS Load Balancer Controller's chart installs it."""
    from kubernetes import client, config
    ensure_ingress_class(client.NetworkingV1Api(config.new_client_from_config(config_file=testbed["kubeconfig"])))


@pytest.fixture
def aws(testbed):
    """boto3 clients on the test bed's moto server, emptied before the test; the cluster has the IngressClass alb
    that the AWS Load Balancer Controller's chart installs."""
    moto_reset(testbed["aws_endpoint_url"])
    install_alb_ingress_class(testbed)
    return aws_clients(testbed["aws_endpoint_url"])


@pytest.fixture
def lb_controller(testbed, aws):  # pylint: disable=redefined-outer-name
    """The stand-in for the AWS Load Balancer Controller (aws_controller.py); afterwards the finalizers it put
    on Ingresses are dropped, so the test's namespace can be deleted without it."""
    controller = FakeLoadBalancerController(testbed["kubeconfig"], testbed["aws_endpoint_url"], REGION, CLUSTER)
    yield controller
    controller.release()


@pytest.fixture
def alb_gateway(kube, namespace):
    """A NodePort gateway Service annotated for the ALB health check, as gateway_service profile alb does."""
    svc = gateway_service_manifest(namespace, annotations={
        ALB + "healthcheck-port": "status-port", ALB + "healthcheck-path": "/healthz/ready"})
    return kube.resources.get(api_version="v1", kind="Service").create(body=svc, namespace=namespace).to_dict()


@pytest.fixture
def unique():
    return "g-" + uuid.uuid4().hex[:8]
