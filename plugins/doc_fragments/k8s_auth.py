# -*- coding: utf-8 -*-
# Copyright: meshops.istio_edge contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file, or the kubeconfig as a dictionary.
      - Defaults to C(~/.kube/config) (or the first file of E(KUBECONFIG)); inside a pod the in-cluster
        service account is used when no kubeconfig exists.
      - Its contents are never logged. Given as a dictionary, every value in it is a secret to Ansible, which then
        masks that value wherever it appears in the module's output, also where it is not a secret (C(v1), the
        server URL, a cluster name). Prefer a file, or O(host) with O(api_key), or leave C(apiVersion) and C(kind)
        out of the dictionary (the Kubernetes client does not need them).
      - Can also be set with E(K8S_AUTH_KUBECONFIG).
    type: raw
  context:
    description:
      - The kubeconfig context to use. Can also be set with E(K8S_AUTH_CONTEXT).
    type: str
  host:
    description:
      - URL of the Kubernetes API server, overriding the kubeconfig. Can also be set with E(K8S_AUTH_HOST).
    type: str
  api_key:
    description:
      - Bearer token for the API server (for example a ServiceAccount token). Never logged.
      - Can also be set with E(K8S_AUTH_API_KEY).
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate. Can also be set with E(K8S_AUTH_VERIFY_SSL).
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - Path to a CA bundle that signed the API server's certificate. Can also be set with E(K8S_AUTH_SSL_CA_CERT).
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Path to a client certificate for the API server. Can also be set with E(K8S_AUTH_CERT_FILE).
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Path to the key of O(client_cert). Can also be set with E(K8S_AUTH_KEY_FILE).
    type: path
    aliases: [key_file]
requirements:
  - kubernetes >= 24.2.0, < 37
  - PyYAML
notes:
  - The options and environment variables are those of kubernetes.core, so existing C(module_defaults) and
    AWX credentials carry over. Use the C(group/meshops.istio_edge.k8s) action group to set them once per play.
"""
