// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The generator's messages: where they go (/dev/kmsg), and one for many guests without a
 * domain XML rather than one each.
 */
#include "generator-test.h"

static void test_logs_to_kmsg(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *err = NULL, *kmsg = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[guest vm]\nrestart = always\n", 0644);
	put("root/dev/kmsg", "", 0644);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	err = slurp("stderr");
	assert_string_equal(err, "");
	kmsg = slurp("root/dev/kmsg");
	assert_non_null(strstr(kmsg, "<3>vfio-boot-generator["));
	assert_non_null(strstr(kmsg, "]: /etc/vfio-boot/vfio-boot.conf:2: restart = \"always\""));
}

/* Lines of text that hold needle. */
static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchrnul(l, '\n'), *hit = strstr(l, needle);

		n += hit && hit < end;
	}
	return n;
}

/*
 * 200 guests on 4 bridges, each after the one before, half of them with a domain XML: every
 * unit is made, and the hundred guests without one are one warning, not a hundred. (How long
 * this takes is measured by bench/generator.sh, not asserted here.)
 */
static void test_many_without_domain_xml_one_message(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *err = NULL, *d0 = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512], *conf = NULL, name[64], xml[512];
	const char *env[] = {env_root, NULL};
	size_t len = 0;
	FILE *f = open_memstream(&conf, &len);

	(void)state;
	if (geteuid() != 0)
		skip();
	for (int i = 0; i < 4; i++)
		fprintf(f, "[bridge br%d]\nuplink = eth%d\n", i, i);
	for (int i = 0; i < 200; i++) {
		fprintf(f, "[guest vm%03d]\nautostart = yes\nbridge = br%d\n", i, i % 4);
		if (i)
			fprintf(f, "after = vm%03d\n", i - 1);
		if (i % 2)
			continue;
		snprintf(name, sizeof(name), "root/etc/libvirt/qemu/vm%03d.xml", i);
		snprintf(xml, sizeof(xml),
			 "<domain><name>vm%03d</name><devices><disk type='block'>"
			 "<source dev='/dev/disk/by-id/nvme-disk-%03d'/></disk></devices></domain>",
			 i, i);
		put(name, xml, 0600);
	}
	fclose(f);
	put("root/etc/vfio-boot/vfio-boot.conf", conf, 0644);
	free(conf);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 201);
	assert_int_equal(count_entries("out/multi-user.target.wants"), 204);
	d0 = slurp("out/vfio-boot-guest@vm000.service.d/50-vfio-boot.conf");
	assert_non_null(strstr(d0, "Requires=dev-disk-by\\x2did-nvme\\x2ddisk\\x2d000.device\n"));

	err = slurp("stderr");
	if (count_lines_with(err, "no /etc/libvirt/qemu/vm") != 0 ||
	    count_lines_with(err, "have no domain XML") != 1)
		fail_msg("not one message for the guests without a domain XML:\n%.2000s", err);
	assert_int_equal(count_lines_with(err, "vfio-boot-generator: 100 guests have no domain XML "
					       "in /etc/libvirt/qemu (domains not defined yet, or "
					       "not in qemu:///system): not ordered after their "
					       "disks: vm001, vm003, vm005, vm007, vm009, vm011, "
					       "vm013, vm015, vm017, vm019 and 90 more"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_logs_to_kmsg),
		T(test_many_without_domain_xml_one_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
