# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS SDK errors turned into messages a person can act on (private).

Every message names what was being done, carries the AWS error code (``code``) and, for the codes people
meet in practice, a hint that says which permission, option or resource to fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError

_HINTS = {
    "AccessDenied": "Grant the IAM permission named in the message to the identity in use (see docs/aws.md).",
    "AccessDeniedException": "Grant the IAM permission named in the message to the identity in use (see docs/aws.md).",
    "UnauthorizedOperation": "Grant the IAM permission named in the message to the identity in use (see docs/aws.md).",
    "InvalidClientTokenId": "The access key is not valid: check access_key / AWS_ACCESS_KEY_ID (or the profile).",
    "UnrecognizedClientException": "The access key is not valid: check access_key / AWS_ACCESS_KEY_ID (or the profile).",
    "SignatureDoesNotMatch": "The secret key does not match the access key: check secret_key / AWS_SECRET_ACCESS_KEY.",
    "ExpiredToken": "The session token expired: refresh the credentials (session_token / AWS_SESSION_TOKEN).",
    "ExpiredTokenException": "The session token expired: refresh the credentials (session_token / AWS_SESSION_TOKEN).",
    "Throttling": "AWS throttled the requests even after retries: raise aws_max_attempts or use aws_retry_mode=adaptive.",
    "ThrottlingException": "AWS throttled the requests even after retries: raise aws_max_attempts or use "
                           "aws_retry_mode=adaptive.",
    "LoadBalancerNotFound": "The load balancer is gone: the AWS Load Balancer Controller may be re-creating it.",
    "TargetGroupNotFound": "The target group is gone: the AWS Load Balancer Controller may be re-creating it.",
    "ResourceNotFoundException": "Check the ARN and the region.",
    "NoSuchHostedZone": "Check route53.zone_id / route53.zone_name and that the zone is in this account.",
    "InvalidChangeBatch": "Route53 refused the change: another record (for example a CNAME) may hold the name.",
}


def _client_error(exc, action):
    error = (getattr(exc, "response", None) or {}).get("Error", {})
    code = error.get("Code") or "Unknown"
    message = error.get("Message") or str(exc)
    status = (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
    text = "AWS error while trying to %s: %s: %s" % (action, code, message)
    details = {}
    if status:
        details["http_status"] = status
    return EdgeError(text, code=code, hint=_HINTS.get(code), **details)


def aws_error(exc, action):
    """EdgeError from a botocore ``ClientError`` or ``BotoCoreError``."""
    name = exc.__class__.__name__
    if hasattr(exc, "response") and isinstance(getattr(exc, "response"), dict):
        return _client_error(exc, action)
    if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"):
        return EdgeError(
            "No usable AWS credentials to %s: %s" % (action, exc), field="access_key", code=name,
            hint="Set access_key and secret_key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or profile "
                 "(AWS_PROFILE), or run where an instance/IRSA role is available.")
    if name == "NoRegionError":
        return EdgeError("No AWS region to %s." % action, field="region", code=name,
                         hint="Set region (or AWS_REGION / AWS_DEFAULT_REGION).")
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"):
        return EdgeError(
            "Cannot reach the AWS endpoint to %s: %s" % (action, exc), field="endpoint_url", code=name,
            hint="Check the network path to AWS, the region, and endpoint_url / AWS_ENDPOINT_URL if set.")
    if name == "ProfileNotFound":
        return EdgeError("profile: %s." % exc, field="profile", code=name,
                         hint="Use a profile defined in ~/.aws/config or ~/.aws/credentials, or unset AWS_PROFILE.")
    return EdgeError("AWS SDK error while trying to %s: %s: %s" % (action, name, exc), code=name)
