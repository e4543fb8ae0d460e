# SPDX-License-Identifier: GPL-2.0-or-later
"""Kubernetes' rule for an extended resource name, which KubeVirt's and the SR-IOV network
device plugin's resources must follow, since the kubelet refuses a device plugin registering
any other: k8s.io/kubernetes pkg/apis/core/v1/helper/helpers.go IsExtendedResourceName() (not
a native resource: holds '/' and not "kubernetes.io/"; no "requests." prefix; "requests." +
name is a qualified name) and k8s.io/apimachinery pkg/util/validation/validation.go
IsQualifiedName() and IsDNS1123Subdomain(), as vendored by kubevirt/kubevirt d923fdb8."""
import re

QNAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = re.compile("^" + DNS1123_LABEL + r"(\." + DNS1123_LABEL + ")*$")


def qualified_name_errors(value):
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ["prefix part must be non-empty"]
        if len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix):
            return ["prefix part %r is not a DNS-1123 subdomain" % prefix]
    else:
        return ["a qualified name has at most one '/'"]
    if not name:
        return ["name part must be non-empty"]
    if len(name) > 63:
        return ["name part %r is longer than 63 characters" % name]
    if not QNAME.match(name):
        return ["name part %r must consist of alphanumeric characters, '-', '_' or '.', "
                "and must start and end with an alphanumeric character" % name]
    return []


def extended_resource_errors(name):
    if "/" not in name or "kubernetes.io/" in name:
        return ["%r is a native resource name, not an extended one" % name]
    if name.startswith("requests."):
        return ["%r starts with requests." % name]
    return ["%r: %s" % (name, e) for e in qualified_name_errors("requests." + name)]
