# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The app schema (option apps of app_route and edge_path_info, inventory variable istio_edge_apps). It mirrors
    # the argument spec in plugins/module_utils/routes/args.py; keep both in step.
    DOCUMENTATION = r"""
options:
  apps:
    description:
      - The apps, in the schema of the C(istio_edge_apps) inventory variable (see C(docs/apps.md)).
      - Types, required keys and unknown keys are checked by Ansible's argument validation, which names the path
        (for example C(apps -> http -> route)); formats, ranges and the rules across keys are checked by the
        module, whose errors name the key by its path, for example C(apps[shop].http[0].route[1].weight).
      - Whole numbers (ports, weights, attempts, HTTP statuses) are given as numbers or strings of digits only
        (C("8_0"), C("1e2") or C("80.0") are refused).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The app's name, a DNS label (at most 63 characters). It becomes the value of the ownership label
            C(istio-edge.meshops.io/app) and the name of the VirtualService.
        type: str
        required: true
      namespace:
        description:
          - The app's namespace (it must exist, with the app's Services). The VirtualService, the
            DestinationRules, the Telemetry and by default the app's Gateway live here.
          - Required with C(state=present).
        type: str
      hosts:
        description:
          - The host names the app answers to (VirtualService C(hosts)); C(*.example.com) and C(*) are allowed.
            Each label is at most 63 characters, the name at most 253.
          - Required with C(state=present).
        type: list
        elements: str
      sidecar_injection:
        description:
          - Label the app's namespace C(istio-injection=enabled) (server-side apply owning only that label).
          - V(false) leaves the namespace as it is; C(state=absent) never removes the label (other workloads of the
            namespace may rely on it).
        type: bool
        default: false
      access_log:
        description:
          - Turn on Envoy access logging (provider C(envoy)) for the pods behind the app's destination Services
            in its own namespace, by one C(Telemetry) per Service whose workload selector is the Service's, named
            C(<app>-access-log), or C(<app>-access-log-<service>) when the app routes to several.
          - Never namespace-wide, so other workloads of the namespace keep their logging. Refused when another
            Telemetry already selects the same pods (Istio allows one per workload), or when no destination is
            a Service of the app's namespace.
        type: bool
        default: false
      adopt:
        description:
          - Take over objects with the app's object names (the VirtualService named after the app, its Gateway,
            DestinationRules, Telemetry) that this collection does not manage - made by hand or by another tool.
            Without it such an object is refused, naming it and its field managers.
          - A taken-over object becomes exactly the app's - what it routed that the app does not declare (other
            hosts, routes, C(exportTo)), other labels and annotations, and the other field managers are removed -
            and is labelled as the app's. While V(true), an object of the app that someone else edited is taken
            back the same way.
          - Objects owned by another app are never taken.
        type: bool
        default: false
      gateway:
        description:
          - The app's own Gateway (used unless O(apps[].use_gateway) is set; mutually exclusive with it). Without
            it the app gets C(<app>-gateway) with one HTTP server on port 80.
        type: dict
        suboptions:
          name:
            description: The Gateway's name, a DNS label (Istio refuses dots); default C(<app>-gateway).
            type: str
          namespace:
            description: The Gateway's namespace; default the app's namespace.
            type: str
          selector:
            description:
              - The gateway workload's pod labels. Default (recommended) - read from the live gateway Deployment
                (O(gateway_name)); when set it must match a gateway workload.
            type: dict
          servers:
            description: The Gateway's servers; default one HTTP server on port 80.
            type: list
            elements: dict
            suboptions:
              port:
                description: The server port (1-65535), a port of the gateway workload.
                type: raw
                required: true
              protocol:
                description:
                  - C(HTTP), C(HTTPS), C(HTTP2), C(GRPC), C(TCP), C(TLS) or C(MONGO) (any case); default C(HTTPS) on
                    port 443, else C(HTTP).
                type: str
              name:
                description: The port's name, a DNS label, unique in the Gateway; default C(<protocol>-<port>).
                type: str
              hosts:
                description:
                  - The hosts this server takes; default the app's hosts. C(namespace/host), C(./host) and C(*/host)
                    are allowed (C(host) may be C(*.domain) or C(*)); C(namespace) is a namespace name.
                type: list
                elements: str
              https_redirect:
                description: HTTP servers only - answer every request with a 301 to HTTPS.
                type: bool
                default: false
              tls_mode:
                description:
                  - C(SIMPLE), C(MUTUAL), C(PASSTHROUGH), C(ISTIO_MUTUAL) or C(OPTIONAL_MUTUAL); HTTPS and TLS
                    servers only. Default C(SIMPLE) for HTTPS, C(PASSTHROUGH) for TLS.
                type: str
              credential_name:
                description:
                  - The TLS Secret (a DNS name), which must live in the gateway workload's namespace
                    (O(gateway_namespace)); required with TLS modes C(SIMPLE), C(MUTUAL) and C(OPTIONAL_MUTUAL).
                type: str
      use_gateway:
        description:
          - Bind the app's VirtualService to an existing shared Gateway, written C(namespace/name) (both DNS labels),
            instead of giving the app its own. The Gateway may be another app's Gateway of the same call.
          - Mutually exclusive with O(apps[].gateway).
        type: str
      http:
        description: HTTP routes, in order (a route without C(match) takes everything, so it goes last).
        type: list
        elements: dict
        suboptions:
          name:
            description: The route's name (a DNS name), shown in Envoy's statistics.
            type: str
          match:
            description: Match conditions; any one of them selects the route. Without it the route takes every request.
            type: list
            elements: dict
            suboptions:
              prefix:
                description:
                  - The path starts with this (it starts with C(/); no white space or control characters).
                  - One of O(apps[].http[].match[].prefix), O(apps[].http[].match[].exact) and
                    O(apps[].http[].match[].regex) per match.
                type: str
              exact:
                description: The path is exactly this (it starts with C(/)).
                type: str
              regex:
                description:
                  - The whole path matches this regular expression, in RE2 syntax (Envoy's engine) - no lookahead or
                    backreferences; C(\z) is allowed. At most 1024 characters. Checked with RE2 itself, which needs
                    the Python package C(google-re2) where the module runs.
                type: str
              headers:
                description:
                  - "Request headers to match, by name (a header name - no spaces or C(:) except the HTTP/2
                    pseudo-headers such as C(:authority)) - a value (exact match), or
                    C({exact|prefix|regex: value})."
                type: dict
              ignore_uri_case:
                description: Match the path case-insensitively.
                type: bool
                default: false
          rewrite:
            description:
              - Rewrite the request before forwarding - a path (for example C(/)), or a mapping with C(uri) (a path)
                and C(authority) (a host name with an optional C(:port)).
            type: raw
          route:
            description:
              - Where the requests go. The weights must add up to 100 when there are several destinations (a
                canary); a single destination takes all traffic.
            type: list
            elements: dict
            required: true
            suboptions:
              host:
                description:
                  - A Service name in the app's namespace, or C(<service>.<namespace>.svc.cluster.local) (other
                    names - ServiceEntries, external hosts - are routed but not checked). Not C(*).
                type: str
                required: true
              port:
                description: The Service port (not its targetPort), 1-65535; required when the Service has several.
                type: raw
              weight:
                description: The share of the traffic, 0-100.
                type: raw
              subset:
                description: A subset (a DNS label) declared by one of the app's O(apps[].destination_rules).
                type: str
          retries:
            description: Retries by Envoy.
            type: dict
            suboptions:
              attempts:
                description: How many retries (0-100); 0 turns retries off (then no per_try_timeout or retry_on).
                type: raw
                required: true
              per_try_timeout:
                description: The timeout of each try, a duration (for example C(2s)), at least C(1ms).
                type: str
              retry_on:
                description:
                  - Envoy's retry conditions, comma-separated - C(5xx), C(gateway-error), C(reset),
                    C(reset-before-request), C(connect-failure), C(envoy-ratelimited), C(retriable-4xx),
                    C(refused-stream), C(retriable-status-codes), C(retriable-headers),
                    C(http3-post-connect-failure), the gRPC ones C(cancelled), C(deadline-exceeded), C(internal),
                    C(resource-exhausted), C(unavailable), and HTTP status codes such as C(503).
                type: str
          timeout:
            description: The request timeout, a duration such as C(500ms), C(10s), C(1m) or C(1h); at least C(1ms).
            type: str
          fault:
            description: Fault injection - at least one of O(apps[].http[].fault.abort) and O(apps[].http[].fault.delay).
            type: dict
            suboptions:
              abort:
                description: Answer some requests with an error status instead of forwarding them.
                type: dict
                suboptions:
                  http_status:
                    description: The status to answer (200-599).
                    type: raw
                    required: true
                  percentage:
                    description: The share of requests (0-100, default 100).
                    type: raw
              delay:
                description: Delay some requests.
                type: dict
                suboptions:
                  fixed_delay:
                    description: The delay, a duration such as C(2s).
                    type: str
                    required: true
                  percentage:
                    description: The share of requests (0-100, default 100).
                    type: raw
      tcp:
        description: TCP routes, one per Gateway TCP server port.
        type: list
        elements: dict
        suboptions:
          port:
            description: A TCP server port of the app's Gateway (1-65535).
            type: raw
            required: true
          route:
            description: Where the connections go (weights add up to 100 with several destinations).
            type: list
            elements: dict
            required: true
            suboptions:
              host:
                description: A Service name in the app's namespace, or C(<service>.<namespace>.svc.cluster.local).
                type: str
                required: true
              port:
                description: The Service port (1-65535).
                type: raw
              weight:
                description: The share of the connections, 0-100.
                type: raw
      destination_rules:
        description: DestinationRules of the app, in its namespace.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - The DestinationRule's name; default C(<app>-<first label of host>), and
                C(<app>-wildcard-<second label>) for a wildcard host such as C(*.rt.svc.cluster.local).
            type: str
          host:
            description: The Service (name or FQDN, C(*.domain) allowed) the rule applies to.
            type: str
            required: true
          subsets:
            description: Named sets of the Service's pods, for routes' O(apps[].http[].route[].subset).
            type: list
            elements: dict
            suboptions:
              name:
                description: The subset's name, a DNS label.
                type: str
                required: true
              labels:
                description: The pod labels that select the subset, for example C(version) V(v1).
                type: dict
                required: true
              traffic_policy:
                description: The subset's Istio TrafficPolicy (see O(apps[].destination_rules[].traffic_policy)).
                type: dict
          traffic_policy:
            description:
              - An Istio TrafficPolicy, in Istio's camelCase (C(loadBalancer), C(connectionPool),
                C(outlierDetection), C(tls), C(portLevelSettings), C(tunnel), C(proxyProtocol), C(retryBudget)).
                Passed as written; its keys (at every level) are checked against Istio's TrafficPolicy before
                anything is sent, keys set to null are dropped.
            type: dict
"""
