# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection options and the one boto3 client factory of the collection (private).

The options are those amazon.aws users know (``profile``, ``access_key``/``aws_access_key_id``, ``secret_key``,
``session_token``, ``region``, ``endpoint_url``, ``aws_ca_bundle``), and they fall back to the same environment
variables through Ansible's ``env_fallback``: a value taken from the environment is a module parameter like any
other, so the secret ones are ``no_log`` and masked wherever they would appear. What no option and no variable
sets is left to boto3's own resolution (shared config and credentials files, web identity / IRSA, container
and instance roles, the profile's region).

Retries are botocore's own retry modes (``Config(retries={"mode": ..., "total_max_attempts": ...})``): throttling,
transient 5xx and connection errors are retried by the SDK with backoff, never by hand-written loops.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.meshops.istio_edge.plugins.module_utils.common.errors import EdgeError
from ansible_collections.meshops.istio_edge.plugins.module_utils.aws.errors import aws_error

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    HAS_BOTO3 = True
except ImportError:
    HAS_BOTO3 = False
    BotoCoreError = ClientError = Exception

USER_AGENT = "meshops.istio_edge/0.1.0"

# option -> environment variables, in decreasing order of preference (those of amazon.aws, plus botocore's
# AWS_ENDPOINT_URL)
ENVIRONMENT = dict(
    profile=["AWS_PROFILE", "AWS_DEFAULT_PROFILE"],
    access_key=["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "EC2_ACCESS_KEY"],
    secret_key=["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "EC2_SECRET_KEY"],
    session_token=["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "EC2_SECURITY_TOKEN"],
    region=["AWS_REGION", "AWS_DEFAULT_REGION", "EC2_REGION"],
    endpoint_url=["AWS_ENDPOINT_URL", "AWS_URL", "EC2_URL"],
    aws_ca_bundle=["AWS_CA_BUNDLE"],
)

AWS_AUTH_ARG_SPEC = dict(
    profile=dict(type="str", aliases=["aws_profile"], fallback=(env_fallback, ENVIRONMENT["profile"])),
    access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key"], no_log=False,
                    fallback=(env_fallback, ENVIRONMENT["access_key"])),
    secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key"], no_log=True,
                    fallback=(env_fallback, ENVIRONMENT["secret_key"])),
    session_token=dict(type="str", aliases=["aws_session_token"], no_log=True,
                       fallback=(env_fallback, ENVIRONMENT["session_token"])),
    region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ENVIRONMENT["region"])),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url"], fallback=(env_fallback, ENVIRONMENT["endpoint_url"])),
    aws_ca_bundle=dict(type="path", fallback=(env_fallback, ENVIRONMENT["aws_ca_bundle"])),
    aws_retry_mode=dict(type="str", default="adaptive", choices=["standard", "adaptive"]),
    aws_max_attempts=dict(type="int", default=10),
)

AWS_AUTH_KEYS = tuple(AWS_AUTH_ARG_SPEC)


def resolve_connection(params):
    """The connection settings the options ask for, checked (pure).

    ``params`` already hold the environment's values (``env_fallback``); an empty string counts as not set, as in
    amazon.aws (so ``access_key: ''`` turns off keys exported in the environment). Returns a dict with
    ``profile``, ``access_key``, ``secret_key``, ``session_token``, ``region``, ``endpoint_url``, ``ca_bundle``,
    ``retry_mode`` and ``max_attempts``; None leaves the setting to boto3.
    """
    conn = dict((name, params.get(name) or None) for name in
                ("profile", "access_key", "secret_key", "session_token", "region", "endpoint_url"))
    if conn["profile"] and (conn["access_key"] or conn["secret_key"] or conn["session_token"]):
        raise EdgeError(
            "profile: profile and access_key/secret_key/session_token are mutually exclusive.", field="profile",
            hint="Pass either a named profile or keys, not both. Either may come from the environment (AWS_PROFILE, "
                 "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): unset it there, or set the option "
                 "to an empty string.")
    if bool(conn["access_key"]) != bool(conn["secret_key"]):
        missing = "secret_key" if conn["access_key"] else "access_key"
        raise EdgeError(
            "%s: an access key needs both access_key and secret_key; %s is missing." % (missing, missing),
            field=missing, hint="Set both (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or use profile.")
    conn["ca_bundle"] = params.get("aws_ca_bundle") or None
    conn["retry_mode"] = params.get("aws_retry_mode") or "adaptive"
    conn["max_attempts"] = params.get("aws_max_attempts") or 10
    if conn["max_attempts"] < 1:
        raise EdgeError("aws_max_attempts: must be 1 or more (got %s)." % conn["max_attempts"],
                        field="aws_max_attempts", hint="Use the number of attempts per call, e.g. 10.")
    return conn


class AwsConnection:
    """Creates boto3 clients for one set of connection options; checks region and credentials up front."""

    def __init__(self, params):
        if not HAS_BOTO3:
            raise EdgeError("The boto3 and botocore Python libraries are required (pip install boto3).")
        self.settings = resolve_connection(params)
        self._session = None
        self._clients = {}

    @property
    def region(self):
        return self.session.region_name

    @property
    def session(self):
        if self._session is None:
            s = self.settings
            try:
                self._session = boto3.session.Session(
                    aws_access_key_id=s["access_key"], aws_secret_access_key=s["secret_key"],
                    aws_session_token=s["session_token"], profile_name=s["profile"], region_name=s["region"])
            except BotoCoreError as exc:
                raise aws_error(exc, "open an AWS session")
        return self._session

    def check(self):
        """Fail before anything is written when region or credentials are missing (no request is made
        for static keys; the default chain may ask the instance metadata service)."""
        if not self.session.region_name:
            raise EdgeError(
                "region: no AWS region configured.", field="region",
                hint="Set region (or AWS_REGION / AWS_DEFAULT_REGION, or a region in the profile). Nothing was "
                     "changed.")
        try:
            creds = self.session.get_credentials()
        except BotoCoreError as exc:
            raise aws_error(exc, "load AWS credentials")
        if creds is None:
            raise EdgeError(
                "access_key: no AWS credentials found (options, environment, profile or instance role).",
                field="access_key", code="NoCredentials",
                hint="Set access_key/secret_key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or profile "
                     "(AWS_PROFILE), or run with an instance/IRSA role. Nothing was changed.")
        return self

    def client(self, service):
        if service not in self._clients:
            s = self.settings
            # total_max_attempts counts the first call (Config's max_attempts would count retries only)
            config = Config(retries={"mode": s["retry_mode"], "total_max_attempts": s["max_attempts"]},
                            user_agent_extra=USER_AGENT)
            kwargs = dict(config=config)
            if s["endpoint_url"]:
                kwargs["endpoint_url"] = s["endpoint_url"]
            if s["ca_bundle"]:
                kwargs["verify"] = s["ca_bundle"]
            try:
                self._clients[service] = self.session.client(service, **kwargs)
            except BotoCoreError as exc:
                raise aws_error(exc, "create the %s client" % service)
        return self._clients[service]


def call(client, operation, action, **kwargs):
    """``client.<operation>(**kwargs)`` with SDK errors turned into EdgeError (retries are the SDK's)."""
    try:
        return getattr(client, operation)(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, action)


def paginate(client, operation, key, action, **kwargs):
    """All items under ``key`` of a paginated operation."""
    items = []
    try:
        if client.can_paginate(operation):
            for page in client.get_paginator(operation).paginate(**kwargs):
                items.extend(page.get(key) or [])
        else:
            items.extend(getattr(client, operation)(**kwargs).get(key) or [])
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, action)
    return items
