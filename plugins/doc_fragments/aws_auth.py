# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  profile:
    description:
      - A named AWS profile (from C(~/.aws/config) / C(~/.aws/credentials)).
      - Falls back to E(AWS_PROFILE) (or E(AWS_DEFAULT_PROFILE)).
      - Mutually exclusive with O(access_key), O(secret_key) and O(session_token), wherever they come from (with
        keys exported in the environment, set them to an empty string to use a profile, as in amazon.aws).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key ID.
      - Falls back to E(AWS_ACCESS_KEY_ID) (or E(AWS_ACCESS_KEY), E(EC2_ACCESS_KEY)).
      - When neither keys nor a profile are given, boto3's own credential chain is used (shared files, web
        identity / IRSA, container or instance role).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key. Never logged, also when it comes from the environment.
      - Falls back to E(AWS_SECRET_ACCESS_KEY) (or E(AWS_SECRET_KEY), E(EC2_SECRET_KEY)).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - AWS STS session token for temporary credentials. Never logged, also when it comes from the environment.
      - Falls back to E(AWS_SESSION_TOKEN) (or E(AWS_SECURITY_TOKEN), E(EC2_SECURITY_TOKEN)).
    type: str
    aliases: [aws_session_token]
  region:
    description:
      - The AWS region of the cluster's load balancers and ACM certificates, for example C(eu-west-1).
      - Falls back to E(AWS_REGION), then E(AWS_DEFAULT_REGION) (or E(EC2_REGION)), then the profile's region.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL to use instead of the AWS endpoints (for example a VPC endpoint or an emulator).
      - Falls back to E(AWS_ENDPOINT_URL) (or E(AWS_URL), E(EC2_URL)).
    type: str
    aliases: [aws_endpoint_url]
  aws_ca_bundle:
    description:
      - CA bundle to verify the AWS endpoints' TLS certificates with. Falls back to E(AWS_CA_BUNDLE).
    type: path
  aws_retry_mode:
    description:
      - botocore's retry mode for every AWS call (throttling, transient errors) - C(standard), or C(adaptive)
        which also rate-limits the client when AWS throttles.
    type: str
    choices: [standard, adaptive]
    default: adaptive
  aws_max_attempts:
    description:
      - Attempts per AWS call, the first one included (botocore C(max_attempts)).
    type: int
    default: 10
requirements:
  - boto3 >= 1.34.0
  - botocore >= 1.34.0
notes:
  - The AWS options and environment variables are those of amazon.aws; a task option wins over the
    environment. A value taken from the environment is handled as the option itself, so secret keys and session
    tokens from E(AWS_SECRET_ACCESS_KEY) or E(AWS_SESSION_TOKEN) are masked in the output too. Use the
    C(group/meshops.istio_edge.aws) action group to set them once per play.
  - Region and credentials are checked before anything is written; a failed AWS call reports the AWS error
    code in the C(code) key of the failure.
"""
