/* remedy.c: the audit table (sorted, unique, real subcategory GUIDs),
 * remedy_for() lines per channel kind, truncation.
 *
 * remedy.c is included so the test sees its static table; its symbols then
 * come from here and the archive's copy of remedy.o is not pulled in. */
#include <check.h>
#include "unit.h"
#include <stdio.h>
#include <string.h>

#include "../../daemon/coverage/remedy.c"

#define TAIL "-69AE-11D9-BED3-505054503030}"

/* ---- table ----------------------------------------------------------------- */

START_TEST(test_table_sorted_unique)
{
        ck_assert_uint_gt(ELEMENTSOF(audit_table), 300);
        for (size_t i = 1; i < ELEMENTSOF(audit_table); i++)
                ck_assert_msg(audit_table[i - 1].a.event_id < audit_table[i].a.event_id,
                              "entry %zu (%u) not after %u", i, (unsigned)audit_table[i].a.event_id,
                              (unsigned)audit_table[i - 1].a.event_id);
}
END_TEST

START_TEST(test_table_well_formed)
{
        for (size_t i = 0; i < ELEMENTSOF(audit_table); i++) {
                const struct audit_entry *e = &audit_table[i];

                ck_assert_ptr_nonnull(e->a.category);
                if (e->flags & RF_ALWAYS) {
                        ck_assert_ptr_null(e->a.guid);
                        ck_assert_ptr_null(e->a.subcategory);
                        continue;
                }
                ck_assert_ptr_nonnull(e->a.guid);
                ck_assert_ptr_nonnull(e->a.subcategory);
                ck_assert_msg(strncmp(e->a.subcategory, "Audit ", 6) == 0, "%s", e->a.subcategory);
                ck_assert_uint_eq(strlen(e->a.guid), 38);
                ck_assert_msg(strncmp(e->a.guid, "{0CCE92", 7) == 0 && strcmp(e->a.guid + 9, TAIL) == 0,
                              "event %u guid %s", (unsigned)e->a.event_id, e->a.guid);
                if (e->also) {
                        ck_assert_uint_eq(strlen(e->also), 38);
                        ck_assert_str_ne(e->also, e->a.guid);
                }
        }
}
END_TEST

/* Every id found by binary search is exactly the one a linear scan finds. */
START_TEST(test_lookup_all_ids)
{
        for (unsigned id = 0; id <= UINT16_MAX; id++) {
                const struct remedy_audit *want = NULL;

                for (size_t i = 0; i < ELEMENTSOF(audit_table); i++)
                        if (audit_table[i].a.event_id == id)
                                want = &audit_table[i].a;
                ck_assert_ptr_eq(remedy_audit_for((uint16_t)id), want);
        }
}
END_TEST

static const struct lookup_case {
        uint16_t id;
        const char *sub;        /* without "Audit " */
        const char *guid;
        const char *cat;
} lookup_cases[] = {
        { 4624, "Logon", "{0CCE9215" TAIL, "Logon/Logoff" },
        { 4625, "Logon", "{0CCE9215" TAIL, "Logon/Logoff" },
        { 4634, "Logoff", "{0CCE9216" TAIL, "Logon/Logoff" },
        { 4647, "Logoff", "{0CCE9216" TAIL, "Logon/Logoff" },
        { 4648, "Logon", "{0CCE9215" TAIL, "Logon/Logoff" },
        { 4672, "Special Logon", "{0CCE921B" TAIL, "Logon/Logoff" },
        { 4688, "Process Creation", "{0CCE922B" TAIL, "Detailed Tracking" },
        { 4689, "Process Termination", "{0CCE922C" TAIL, "Detailed Tracking" },
        { 4697, "Security System Extension", "{0CCE9211" TAIL, "System" },
        { 4698, "Other Object Access Events", "{0CCE9227" TAIL, "Object Access" },
        { 4699, "Other Object Access Events", "{0CCE9227" TAIL, "Object Access" },
        { 4700, "Other Object Access Events", "{0CCE9227" TAIL, "Object Access" },
        { 4701, "Other Object Access Events", "{0CCE9227" TAIL, "Object Access" },
        { 4702, "Other Object Access Events", "{0CCE9227" TAIL, "Object Access" },
        { 4719, "Audit Policy Change", "{0CCE922F" TAIL, "Policy Change" },
        { 4720, "User Account Management", "{0CCE9235" TAIL, "Account Management" },
        { 4726, "User Account Management", "{0CCE9235" TAIL, "Account Management" },
        { 4728, "Security Group Management", "{0CCE9237" TAIL, "Account Management" },
        { 4732, "Security Group Management", "{0CCE9237" TAIL, "Account Management" },
        { 4741, "Computer Account Management", "{0CCE9236" TAIL, "Account Management" },
        { 4744, "Distribution Group Management", "{0CCE9238" TAIL, "Account Management" },
        { 4756, "Security Group Management", "{0CCE9237" TAIL, "Account Management" },
        { 4767, "User Account Management", "{0CCE9235" TAIL, "Account Management" },
        { 4768, "Kerberos Authentication Service", "{0CCE9242" TAIL, "Account Logon" },
        { 4769, "Kerberos Service Ticket Operations", "{0CCE9240" TAIL, "Account Logon" },
        { 4771, "Kerberos Authentication Service", "{0CCE9242" TAIL, "Account Logon" },
        { 4776, "Credential Validation", "{0CCE923F" TAIL, "Account Logon" },
        { 4657, "Registry", "{0CCE921E" TAIL, "Object Access" },
        { 4663, "File System", "{0CCE921D" TAIL, "Object Access" },
        { 4662, "Directory Service Access", "{0CCE923B" TAIL, "DS Access" },
        { 5136, "Directory Service Changes", "{0CCE923C" TAIL, "DS Access" },
        { 5140, "File Share", "{0CCE9224" TAIL, "Object Access" },
        { 5145, "Detailed File Share", "{0CCE9244" TAIL, "Object Access" },
        { 5156, "Filtering Platform Connection", "{0CCE9226" TAIL, "Object Access" },
        { 5157, "Filtering Platform Connection", "{0CCE9226" TAIL, "Object Access" },
        { 4703, "Token Right Adjusted", "{0CCE924A" TAIL, "Detailed Tracking" },
        { 4673, "Sensitive Privilege Use", "{0CCE9228" TAIL, "Privilege Use" },
        { 6416, "PNP Activity", "{0CCE9248" TAIL, "Detailed Tracking" },
};

START_TEST(test_lookup_table)
{
        const struct lookup_case *c = &lookup_cases[_i];
        const struct remedy_audit *a = remedy_audit_for(c->id);

        ck_assert_msg(a != NULL, "event %u missing", (unsigned)c->id);
        ck_assert_uint_eq(a->event_id, c->id);
        ck_assert_str_eq(a->subcategory + 6, c->sub);
        ck_assert_str_eq(a->guid, c->guid);
        ck_assert_str_eq(a->category, c->cat);
}
END_TEST

START_TEST(test_lookup_always_and_unknown)
{
        const struct remedy_audit *a = remedy_audit_for(1102);

        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_null(a->guid);
        ck_assert_ptr_null(a->subcategory);
        ck_assert_ptr_null(remedy_audit_for(0));
        ck_assert_ptr_null(remedy_audit_for(4104));
        ck_assert_ptr_null(remedy_audit_for(UINT16_MAX));
}
END_TEST

/* ---- remedy_for -------------------------------------------------------------- */

START_TEST(test_for_security)
{
        char buf[512];

        ck_assert_ptr_eq(remedy_for("Security", 4688, buf, sizeof buf), buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE922B" TAIL " /success:enable");
        remedy_for("Security", 4698, buf, sizeof buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE9227" TAIL " /success:enable");
        remedy_for("security", 4776, buf, sizeof buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE923F" TAIL " /success:enable /failure:enable");
        remedy_for("Security", 4771, buf, sizeof buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE9242" TAIL " /success:enable /failure:enable");
        remedy_for("Security", 4625, buf, sizeof buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE9215" TAIL " /success:enable /failure:enable"
                         "; auditpol /set /subcategory:{0CCE9217" TAIL " /success:enable /failure:enable");
        remedy_for("Security", 4657, buf, sizeof buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE921E" TAIL " /success:enable"
                         "; also put a SACL (auditing entry) on the objects to watch");
        remedy_for("Security", 4663, buf, sizeof buf);
        ck_assert_str_eq(buf, "auditpol /set /subcategory:{0CCE921D" TAIL " /success:enable"
                         "; auditpol /set /subcategory:{0CCE921E" TAIL " /success:enable"
                         "; also put a SACL (auditing entry) on the objects to watch");
        remedy_for("Security", 1102, buf, sizeof buf);
        ck_assert_ptr_null(strstr(buf, "auditpol"));
        ck_assert_ptr_nonnull(strstr(buf, "<Select Path=\"Security\">*</Select>"));
        remedy_for("Security", 9999, buf, sizeof buf);
        ck_assert_ptr_null(strstr(buf, "auditpol"));
        ck_assert_ptr_nonnull(strstr(buf, "<Select Path=\"Security\">*</Select>"));
}
END_TEST

START_TEST(test_for_disabled_channel)
{
        char buf[512];

        remedy_for("Microsoft-Windows-TaskScheduler/Operational", 106, buf, sizeof buf);
        ck_assert_str_eq(buf, "wevtutil sl \"Microsoft-Windows-TaskScheduler/Operational\" /e:true; "
                         "forward it: NXLog im_msvistalog "
                         "<Select Path=\"Microsoft-Windows-TaskScheduler/Operational\">*</Select>");
        remedy_for("Microsoft-Windows-DNS-Client/Operational", 3008, buf, sizeof buf);
        ck_assert_ptr_nonnull(strstr(buf, "wevtutil sl \"Microsoft-Windows-DNS-Client/Operational\" /e:true; "));
}
END_TEST

START_TEST(test_for_sysmon)
{
        char buf[512];

        remedy_for("Microsoft-Windows-Sysmon/Operational", 1, buf, sizeof buf);
        ck_assert_str_eq(buf, "install Sysmon with a configuration that logs event 1; "
                         "forward Microsoft-Windows-Sysmon/Operational");
}
END_TEST

START_TEST(test_for_unknown)
{
        char buf[512];

        remedy_for("Microsoft-Windows-PowerShell/Operational", 4104, buf, sizeof buf);
        ck_assert_str_eq(buf, "forward it: NXLog im_msvistalog "
                         "<Select Path=\"Microsoft-Windows-PowerShell/Operational\">*</Select>");
        remedy_for("System", 7045, buf, sizeof buf);
        ck_assert_str_eq(buf, "forward it: NXLog im_msvistalog <Select Path=\"System\">*</Select>");
}
END_TEST

/* Every prefix length: terminated, a prefix of the full line, no write past
 * len (guard bytes after it stay intact). */
START_TEST(test_for_truncation)
{
        static const struct { const char *ch; uint16_t id; } cases[] = {
                { "Security", 4663 }, { "Security", 1102 },
                { "Microsoft-Windows-TaskScheduler/Operational", 106 },
                { "Microsoft-Windows-Sysmon/Operational", 11 }, { "Application", 1000 },
        };

        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                char full[1024], buf[1024 + 16];
                size_t n;

                remedy_for(cases[k].ch, cases[k].id, full, sizeof full);
                n = strlen(full);
                ck_assert_uint_lt(n, sizeof full - 1);
                for (size_t len = 1; len <= n + 2; len++) {
                        memset(buf, 'X', sizeof buf);
                        ck_assert_ptr_eq(remedy_for(cases[k].ch, cases[k].id, buf, len), buf);
                        ck_assert_uint_eq(strlen(buf), len - 1 < n ? len - 1 : n);
                        ck_assert_int_eq(strncmp(buf, full, strlen(buf)), 0);
                        for (size_t g = len; g < len + 16; g++)
                                ck_assert_int_eq(buf[g], 'X');
                }
        }
        ck_assert_ptr_null(remedy_for("Security", 4688, NULL, 0));
        {
                char one = 'X';

                remedy_for("Security", 4688, &one, 0);
                ck_assert_int_eq(one, 'X');
        }
}
END_TEST

START_TEST(test_cmdline_policy)
{
        ck_assert_str_eq(remedy_cmdline_policy(),
                         "Computer Configuration > Administrative Templates > System > Audit Process Creation > "
                         "Include command line in process creation events = Enabled "
                         "(HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\Audit\\"
                         "ProcessCreationIncludeCmdLine_Enabled = 1)");
}
END_TEST

static Suite *remedy_suite(void)
{
        Suite *s = suite_create("remedy");
        TCase *tc = tcase_create("table");

        tcase_add_test(tc, test_table_sorted_unique);
        tcase_add_test(tc, test_table_well_formed);
        tcase_add_test(tc, test_lookup_all_ids);
        tcase_add_loop_test(tc, test_lookup_table, 0, (int)ELEMENTSOF(lookup_cases));
        tcase_add_test(tc, test_lookup_always_and_unknown);
        suite_add_tcase(s, tc);

        tc = tcase_create("remedy_for");
        tcase_add_test(tc, test_for_security);
        tcase_add_test(tc, test_for_disabled_channel);
        tcase_add_test(tc, test_for_sysmon);
        tcase_add_test(tc, test_for_unknown);
        tcase_add_test(tc, test_for_truncation);
        tcase_add_test(tc, test_cmdline_policy);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(remedy_suite());
}
