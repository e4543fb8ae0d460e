// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The resource names KubeVirt and the SR-IOV network device plugin share, by the rules of both:
 *   - sriov-network-device-plugin pkg/utils/utils.go ValidResourceName() (commit 40b6f507):
 *     a resourceName is ^[a-zA-Z0-9_-]+$; cmd/sriovdp/manager.go validConfigs() joins it to
 *     resourcePrefix with '/' and refuses a name twice.
 *   - Kubernetes (the kubelet's device plugin registration, pkg/apis/core/v1/helper
 *     IsExtendedResourceName(), with k8s.io/apimachinery pkg/util/validation IsQualifiedName(),
 *     as kubevirt d923fdb8 vendors it): the name has a domain prefix, that prefix does not hold
 *     "kubernetes.io/", and "requests." + name is a qualified name: a DNS-1123 subdomain of at
 *     most 253 characters, '/', and a name part of at most 63 characters of [-A-Za-z0-9_.]
 *     that starts and ends with a letter or digit.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "log.h"
#include "util.h"

#define DNS1123_SUBDOMAIN_MAX 253
#define QUALIFIED_NAME_MAX    63
#define REQUESTS_PREFIX	      "requests."

static bool dns1123_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

/* k8s.io/apimachinery IsDNS1123Subdomain(): lower case labels joined by '.'. */
static bool dns1123_subdomain(const char *s)
{
	if (strlen(s) > DNS1123_SUBDOMAIN_MAX)
		return false;
	for (const char *p = s;;) {
		size_t n = strcspn(p, ".");

		if (!dns1123_label(p, n))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

int export_k8s_prefix(const struct export *e, const char **ret)
{
	const char *p = e->prefix ? e->prefix : EXPORT_K8S_PREFIX;

	/* The kubelet checks "requests." + the name: the prefix has that much less room. */
	if (!dns1123_subdomain(p) || strlen(p) + strlen(REQUESTS_PREFIX) > DNS1123_SUBDOMAIN_MAX)
		return log_err(-EINVAL,
			       "--prefix %s: not a DNS subdomain (lower case letters, digits, '-' "
			       "and '.', at most %zu characters) as Kubernetes wants a resource's",
			       p, DNS1123_SUBDOMAIN_MAX - strlen(REQUESTS_PREFIX));
	if (strstr(p, "kubernetes.io"))
		return log_err(-EINVAL,
			       "--prefix %s: Kubernetes keeps kubernetes.io for its own resources",
			       p);
	*ret = p;
	return 0;
}

static char *k8s_name(const char *section)
{
	size_t n = strlen(section);
	char *s;

	while (n && (section[n - 1] == '-' || section[n - 1] == '_' || section[n - 1] == '.'))
		n--;
	while (n && (*section == '-' || *section == '_' || *section == '.'))
		section++, n--;
	s = strndup(section, n);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p == '.')
			*p = '-';
	return s;
}

void export_k8s_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int export_k8s_names(const struct export *e, char ***ret)
{
	char **names = calloc(e->n_secs + 1, sizeof(*names));
	int r = 0;

	if (!names)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < e->n_secs && r == 0; i++) {
		names[i] = k8s_name(e->secs[i].name);
		if (!names[i])
			r = log_err(-ENOMEM, "out of memory");
		else if (!*names[i] || strlen(names[i]) > QUALIFIED_NAME_MAX)
			r = log_err(
				-EINVAL,
				"[device %s]: no Kubernetes resource name can be made of it "
				"(letters or digits, at most %d characters); rename the section",
				e->secs[i].name, QUALIFIED_NAME_MAX);
		for (size_t k = 0; k < i && r == 0; k++)
			if (streq(names[k], names[i]))
				r = log_err(
					-EEXIST,
					"[device %s] and [device %s] would both be the resource "
					"%s: rename one of them",
					e->secs[k].name, e->secs[i].name, names[i]);
	}
	if (r < 0) {
		export_k8s_names_free(names, e->n_secs);
		return r;
	}
	*ret = names;
	return 0;
}
