# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS connection options (Ansible's env_fallback, then the checks of resolve_connection), and error conversion."""

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import set_fallbacks

from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import AWS_AUTH_ARG_SPEC, resolve_connection
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.errors import aws_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.elbv2 import batches, norm_dns


def _validated(spec, params):
    """The parameters Ansible's own validator hands to a module (env_fallback applied) and its no_log values."""
    validator = ArgumentSpecValidator(spec)
    result = validator.validate(dict(params))
    assert not result.error_messages, result.error_messages
    return result.validated_parameters, set_fallbacks(spec, dict(params))


def test_options_win_over_environment(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "eu-west-1",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://env"}.items():
        monkeypatch.setenv(name, value)
    params, dummy = _validated(AWS_AUTH_ARG_SPEC, {"access_key": "OPT", "secret_key": "optsecret", "region": "eu-central-1"})
    conn = resolve_connection(params)
    assert (conn["access_key"], conn["secret_key"], conn["region"]) == ("OPT", "optsecret", "eu-central-1")
    assert conn["endpoint_url"] == "http://env"


def test_environment_order_and_secrets_from_the_environment_are_no_log(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN", "EC2_SECURITY_TOKEN", "AWS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY": "OLD", "AWS_ACCESS_KEY_ID": "NEW", "AWS_SECRET_KEY": "envsecret",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "eu-west-1",
                        "AWS_SESSION_TOKEN": "envtoken"}.items():
        monkeypatch.setenv(name, value)
    params, no_log = _validated(AWS_AUTH_ARG_SPEC, {})
    conn = resolve_connection(params)
    assert (conn["access_key"], conn["secret_key"], conn["region"], conn["session_token"]) == \
        ("NEW", "envsecret", "eu-west-1", "envtoken")
    assert {"envsecret", "envtoken"} <= no_log and "NEW" not in no_log


def test_profile_and_keys_conflict_wherever_they_come_from(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "K")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "S")
    params, dummy = _validated(AWS_AUTH_ARG_SPEC, {"profile": "prod"})
    with pytest.raises(EdgeError) as err:
        resolve_connection(params)
    assert err.value.field == "profile" and "AWS_ACCESS_KEY_ID" in err.value.hint
    # an empty option turns off what the environment exports (as in amazon.aws)
    params, dummy = _validated(AWS_AUTH_ARG_SPEC, {"profile": "prod", "access_key": "", "secret_key": ""})
    conn = resolve_connection(params)
    assert conn["profile"] == "prod" and conn["access_key"] is None and conn["secret_key"] is None


def test_empty_is_unset_and_defaults():
    conn = resolve_connection({"region": "", "access_key": "", "aws_retry_mode": None, "aws_max_attempts": None})
    assert conn["region"] is None and conn["access_key"] is None and conn["profile"] is None
    assert (conn["retry_mode"], conn["max_attempts"]) == ("adaptive", 10)


@pytest.mark.parametrize("params, field", [
    ({"profile": "p", "access_key": "K", "secret_key": "S"}, "profile"),
    ({"access_key": "K"}, "secret_key"),
    ({"secret_key": "S"}, "access_key"),
    ({"aws_max_attempts": -1}, "aws_max_attempts"),
])
def test_conflicts_name_the_option(params, field):
    with pytest.raises(EdgeError) as err:
        resolve_connection(params)
    assert err.value.field == field and field in str(err.value)


class _ClientError(Exception):
    def __init__(self, code, message, status=400):
        super(_ClientError, self).__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}


class NoCredentialsError(Exception):
    pass


class EndpointConnectionError(Exception):
    pass


def test_aws_errors_carry_code_and_hint():
    err = aws_error(_ClientError("AccessDenied", "not authorized to perform elasticloadbalancing:DescribeTags", 403),
                    "read load balancer tags")
    assert err.code == "AccessDenied" and err.details["http_status"] == 403
    assert "read load balancer tags" in str(err) and "DescribeTags" in str(err) and "IAM" in str(err)
    assert aws_error(NoCredentialsError("Unable to locate credentials"), "x").field == "access_key"
    assert aws_error(EndpointConnectionError("no route"), "x").field == "endpoint_url"
    assert aws_error(_ClientError("Weird", "odd"), "x").hint is None


def test_batches_of_twenty_and_dns_normalization():
    assert [len(b) for b in batches(list(range(45)))] == [20, 20, 5]
    assert batches([]) == []
    assert norm_dns("dualstack.K8s-a.elb.amazonaws.com.") == "k8s-a.elb.amazonaws.com"
