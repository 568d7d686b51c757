# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolution of the AWS connection options and environment (pure), and error conversion."""

import pytest

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.client import resolve_connection
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.errors import aws_error
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.elbv2 import batches, norm_dns


def test_options_win_over_environment():
    env = {"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_REGION": "eu-west-1",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://env"}
    conn = resolve_connection({"access_key": "OPT", "secret_key": "optsecret", "region": "eu-central-1"}, env)
    assert (conn["access_key"], conn["secret_key"], conn["region"], conn["source"]) == \
        ("OPT", "optsecret", "eu-central-1", "options")
    assert conn["endpoint_url"] == "http://env"


def test_environment_order():
    conn = resolve_connection({}, {"AWS_ACCESS_KEY": "OLD", "AWS_ACCESS_KEY_ID": "NEW", "AWS_SECRET_KEY": "s",
                                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "eu-west-1",
                                   "AWS_SESSION_TOKEN": "tok"})
    assert (conn["access_key"], conn["region"], conn["session_token"], conn["source"]) == \
        ("NEW", "eu-west-1", "tok", "environment")


def test_explicit_profile_ignores_environment_keys():
    conn = resolve_connection({"profile": "prod"}, {"AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"})
    assert conn["profile"] == "prod" and conn["access_key"] is None and conn["source"] == "profile"


def test_environment_keys_before_environment_profile():
    conn = resolve_connection({}, {"AWS_PROFILE": "p", "AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"})
    assert conn["access_key"] == "K" and conn["profile"] is None
    assert resolve_connection({}, {"AWS_PROFILE": "p"})["profile"] == "p"


def test_empty_environment_is_unset_and_defaults():
    conn = resolve_connection({}, {"AWS_REGION": "", "AWS_ACCESS_KEY_ID": ""})
    assert conn["region"] is None and conn["access_key"] is None and conn["source"] == "default chain"
    assert (conn["retry_mode"], conn["max_attempts"]) == ("adaptive", 10)


@pytest.mark.parametrize("params, field", [
    ({"profile": "p", "access_key": "K", "secret_key": "S"}, "profile"),
    ({"access_key": "K"}, "secret_key"),
    ({"secret_key": "S"}, "access_key"),
    ({"aws_max_attempts": -1}, "aws_max_attempts"),
])
def test_conflicts_name_the_option(params, field):
    with pytest.raises(EdgeError) as err:
        resolve_connection(params, {})
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
