/* logsource.c: service and category tables, field maps, derived fields. */
#include <check.h>
#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "spoor/cleanup.h"
#include "spoor/decode.h"
#include "spoor/intern.h"
#include "spoor/logsource.h"
#include "spoor/reject.h"
#include "spoor/winevent.h"
#include "spoor/yaml.h"

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* Every service used by SigmaHQ's Windows rules (`grep -rh "^    service:"
 * sigma/rules/windows`), with its channel(s). */
static const struct {
        const char *service;
        const char *channels[4];
} services[] = {
        { "security", { "Security" } },
        { "system", { "System" } },
        { "application", { "Application" } },
        { "windefend", { "Microsoft-Windows-Windows Defender/Operational" } },
        { "codeintegrity-operational", { "Microsoft-Windows-CodeIntegrity/Operational" } },
        { "appxdeployment-server", { "Microsoft-Windows-AppXDeploymentServer/Operational" } },
        { "firewall-as", { "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall" } },
        { "msexchange-management", { "MSExchange Management" } },
        { "bits-client", { "Microsoft-Windows-Bits-Client/Operational" } },
        { "dns-client", { "Microsoft-Windows-DNS Client Events/Operational" } },
        { "sysmon", { SYSMON } },
        { "iis-configuration", { "Microsoft-IIS-Configuration/Operational" } },
        { "taskscheduler", { "Microsoft-Windows-TaskScheduler/Operational" } },
        { "powershell-classic", { "Windows PowerShell" } },
        { "ntlm", { "Microsoft-Windows-NTLM/Operational" } },
        { "wmi", { "Microsoft-Windows-WMI-Activity/Operational" } },
        { "security-mitigations", { "Microsoft-Windows-Security-Mitigations/Kernel Mode",
                                    "Microsoft-Windows-Security-Mitigations/User Mode" } },
        { "dns-server", { "DNS Server" } },
        { "applocker", { "Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
                         "Microsoft-Windows-AppLocker/Packaged app-Deployment",
                         "Microsoft-Windows-AppLocker/Packaged app-Execution" } },
        { "terminalservices-localsessionmanager",
          { "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational" } },
        { "smbserver-connectivity", { "Microsoft-Windows-SMBServer/Connectivity" } },
        { "smbclient-security", { "Microsoft-Windows-SmbClient/Security" } },
        { "shell-core", { "Microsoft-Windows-Shell-Core/Operational" } },
        { "openssh", { "OpenSSH/Operational" } },
        { "microsoft-servicebus-client", { "Microsoft-ServiceBus-Client" } },
        { "lsa-server", { "Microsoft-Windows-LSA/Operational" } },
        { "ldap", { "Microsoft-Windows-LDAP-Client/Debug" } },
        { "driver-framework", { "Microsoft-Windows-DriverFrameworks-UserMode/Operational" } },
        { "diagnosis-scripted", { "Microsoft-Windows-Diagnosis-Scripted/Operational" } },
        { "certificateservicesclient-lifecycle-system",
          { "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational" } },
        { "capi2", { "Microsoft-Windows-CAPI2/Operational" } },
        { "appxpackaging-om", { "Microsoft-Windows-AppxPackaging/Operational" } },
        { "appmodel-runtime", { "Microsoft-Windows-AppModel-Runtime/Admin" } },
        /* not used by the Windows rules, but part of the table */
        { "powershell", { "Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational" } },
};

START_TEST(test_services)
{
        struct logsource_resolution r;
        char err[256];

        for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
                int ret = logsource_resolve("windows", NULL, services[i].service, &r, err, sizeof(err));
                ck_assert_msg(ret == 0, "%s: %s", services[i].service, err);
                size_t n = 0;
                while (n < 4 && services[i].channels[n])
                        n++;
                ck_assert_uint_eq(r.nvariants, n);
                for (size_t j = 0; j < n; j++) {
                        ck_assert_str_eq(r.variants[j].channel, services[i].channels[j]);
                        ck_assert_uint_eq(r.variants[j].nevent_ids, 0);
                        ck_assert_ptr_null(r.variants[j].map);
                        ck_assert_ptr_nonnull(r.variants[j].name);
                }
                /* product may be absent */
                ck_assert_int_eq(logsource_resolve(NULL, NULL, services[i].service, &r, err, sizeof(err)), 0);
        }
}
END_TEST

/* Every category used by SigmaHQ's Windows rules, and the others of the
 * taxonomy: variant names, channels and event ids. */
static const struct {
        const char *category;
        struct {
                const char *name, *channel;
                uint16_t ids[4];
        } v[3];
} categories[] = {
        { "process_creation", { { "sysmon", SYSMON, { 1 } }, { "security", "Security", { 4688 } } } },
        { "registry_set", { { "sysmon", SYSMON, { 13 } }, { "security", "Security", { 4657 } } } },
        { "file_event", { { "sysmon", SYSMON, { 11 } } } },
        { "ps_script", { { "powershell", "Microsoft-Windows-PowerShell/Operational", { 4104 } },
                         { "powershell-core", "PowerShellCore/Operational", { 4104 } } } },
        { "image_load", { { "sysmon", SYSMON, { 7 } } } },
        { "network_connection", { { "sysmon", SYSMON, { 3 } }, { "security", "Security", { 5156 } } } },
        { "ps_module", { { "powershell", "Microsoft-Windows-PowerShell/Operational", { 4103 } },
                         { "powershell-core", "PowerShellCore/Operational", { 4103 } } } },
        { "registry_event", { { "sysmon", SYSMON, { 12, 13, 14 } }, { "security", "Security", { 4657 } } } },
        { "process_access", { { "sysmon", SYSMON, { 10 } } } },
        { "dns_query", { { "sysmon", SYSMON, { 22 } } } },
        { "pipe_created", { { "sysmon", SYSMON, { 17, 18 } } } },
        { "file_delete", { { "sysmon", SYSMON, { 23, 26 } } } },
        { "create_remote_thread", { { "sysmon", SYSMON, { 8 } } } },
        { "registry_delete", { { "sysmon", SYSMON, { 12 } } } },
        { "driver_load", { { "sysmon", SYSMON, { 6 } } } },
        { "ps_classic_start", { { "powershell-classic", "Windows PowerShell", { 400 } } } },
        { "create_stream_hash", { { "sysmon", SYSMON, { 15 } } } },
        { "file_access", { { "security", "Security", { 4663 } } } },
        { "wmi_event", { { "sysmon", SYSMON, { 19, 20, 21 } } } },
        { "sysmon_status", { { "sysmon", SYSMON, { 4, 16 } } } },
        { "sysmon_error", { { "sysmon", SYSMON, { 255 } } } },
        { "registry_add", { { "sysmon", SYSMON, { 12 } } } },
        { "raw_access_thread", { { "sysmon", SYSMON, { 9 } } } },
        { "ps_classic_provider_start", { { "powershell-classic", "Windows PowerShell", { 600 } } } },
        { "process_tampering", { { "sysmon", SYSMON, { 25 } } } },
        { "file_executable_detected", { { "sysmon", SYSMON, { 29 } } } },
        { "file_change", { { "sysmon", SYSMON, { 2 } } } },
        /* not used by the Windows rules */
        { "process_termination", { { "sysmon", SYSMON, { 5 } } } },
        { "registry_rename", { { "sysmon", SYSMON, { 14 } } } },
        { "clipboard_capture", { { "sysmon", SYSMON, { 24 } } } },
        { "file_delete_detected", { { "sysmon", SYSMON, { 26 } } } },
        { "file_block_executable", { { "sysmon", SYSMON, { 27 } } } },
        { "file_block_shredding", { { "sysmon", SYSMON, { 28 } } } },
        { "ps_classic_script", { { "powershell-classic", "Windows PowerShell", { 800 } } } },
};

START_TEST(test_categories)
{
        struct logsource_resolution r;
        char err[256];

        for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++) {
                const char *cat = categories[i].category;
                ck_assert_msg(logsource_resolve("windows", cat, NULL, &r, err, sizeof(err)) == 0, "%s: %s", cat,
                              err);
                size_t n = 0;
                while (n < 3 && categories[i].v[n].name)
                        n++;
                ck_assert_msg(r.nvariants == n, "%s: %zu variants", cat, r.nvariants);
                for (size_t j = 0; j < n; j++) {
                        const struct logsource_variant *v = &r.variants[j];
                        ck_assert_str_eq(v->name, categories[i].v[j].name);
                        ck_assert_str_eq(v->channel, categories[i].v[j].channel);
                        size_t k = 0;
                        while (k < 4 && categories[i].v[j].ids[k])
                                k++;
                        ck_assert_msg(v->nevent_ids == k, "%s/%s: %zu ids", cat, v->name, v->nevent_ids);
                        for (size_t e = 0; e < k; e++)
                                ck_assert_uint_eq(v->event_ids[e], categories[i].v[j].ids[e]);
                        /* Sysmon and PowerShell carry the Sigma names; Security is closed */
                        ck_assert_int_eq(v->map_is_closed, strcmp(v->channel, "Security") == 0);
                        ck_assert_int_eq(v->map == NULL, strcmp(v->channel, "Security") != 0);
                }
        }
}
END_TEST

static const struct {
        const char *product, *category, *service;
        int ret;
        const char *msg;
        size_t nvariants;
} combos[] = {
        { "linux", "process_creation", NULL, -ENOTSUP, "logsource: product 'linux' is not Windows", 0 },
        { "macos", NULL, NULL, -ENOTSUP, "logsource: product 'macos' is not Windows", 0 },
        { "windows", "firewall", NULL, -ENOTSUP, "logsource: category 'firewall' has no Windows telemetry mapping",
          0 },
        { "windows", NULL, "sshd", -ENOTSUP, "logsource: service 'sshd' has no known Windows channel", 0 },
        { "windows", "file_rename", NULL, -ENOTSUP,
          "logsource: category 'file_rename' needs the Microsoft-Windows-Kernel-File ETW provider (rename events), "
          "which no event log channel carries", 0 },
        { NULL, NULL, NULL, -ENOTSUP, "logsource: no product, category or service", 0 },
        { "windows", "process_creation", "system", -ENOTSUP,
          "logsource: category 'process_creation' has no source in service 'system'", 0 },
        /* category + service: the intersection */
        { "windows", "process_creation", "security", 0, "", 1 },
        { "windows", "process_creation", "sysmon", 0, "", 1 },
        { "windows", "ps_script", "powershell", 0, "", 2 },
        /* absent product: Windows when the category or service is Windows */
        { NULL, "process_creation", NULL, 0, "", 2 },
        { "Windows", "image_load", NULL, 0, "", 1 },
        /* product alone: every Windows log has no single channel */
        { "windows", NULL, NULL, -ENOTSUP,
          "logsource: product 'windows' without a category or service (every Windows log) is not supported", 0 },
};

START_TEST(test_combinations)
{
        struct logsource_resolution r;
        char err[256];

        for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
                int ret = logsource_resolve(combos[i].product, combos[i].category, combos[i].service, &r, err,
                                            sizeof(err));
                ck_assert_msg(ret == combos[i].ret, "%zu: %d %s", i, ret, err);
                ck_assert_str_eq(err, combos[i].msg);
                ck_assert_uint_eq(r.nvariants, combos[i].nvariants);
        }
        ck_assert_int_eq(logsource_resolve("windows", "process_creation", "security", &r, err, sizeof(err)), 0);
        ck_assert_uint_eq(r.variants[0].event_ids[0], 4688);
}
END_TEST

/* ---- field maps ---- */

static const struct {
        const char *category;
        size_t variant;
        const char *sigma;
        const char *event;      /* NULL = unavailable */
} maps[] = {
        /* Sysmon: identity (open) */
        { "process_creation", 0, "Image", "Image" },
        { "process_creation", 0, "OriginalFileName", "OriginalFileName" },
        { "process_creation", 0, "AnythingAtAll", "AnythingAtAll" },
        /* 4688: closed */
        { "process_creation", 1, "Image", "NewProcessName" },
        { "process_creation", 1, "ParentImage", "ParentProcessName" },
        { "process_creation", 1, "CommandLine", "CommandLine" },
        { "process_creation", 1, "User", "User" },
        { "process_creation", 1, "IntegrityLevel", "IntegrityLevel" },
        { "process_creation", 1, "ProcessId", "NewProcessIdDecimal" },
        { "process_creation", 1, "ParentProcessId", "CreatorProcessIdDecimal" },
        { "process_creation", 1, "LogonId", "SubjectLogonId" },
        { "process_creation", 1, "SubjectUserName", "SubjectUserName" },
        { "process_creation", 1, "NewProcessName", "NewProcessName" },
        { "process_creation", 1, "TokenElevationType", "TokenElevationType" },
        { "process_creation", 1, "MandatoryLabel", "MandatoryLabel" },
        { "process_creation", 1, "TargetUserName", "TargetUserName" },
        { "process_creation", 1, "EventID", "EventID" },
        { "process_creation", 1, "Provider_Name", "Provider_Name" },
        { "process_creation", 1, "Hashes", NULL },
        { "process_creation", 1, "OriginalFileName", NULL },
        { "process_creation", 1, "Product", NULL },
        { "process_creation", 1, "Company", NULL },
        { "process_creation", 1, "Description", NULL },
        { "process_creation", 1, "FileVersion", NULL },
        { "process_creation", 1, "CurrentDirectory", NULL },
        { "process_creation", 1, "ParentCommandLine", NULL },
        { "process_creation", 1, "ParentUser", NULL },
        { "process_creation", 1, "Imphash", NULL },
        { "process_creation", 1, "sha256", NULL },
        { "process_creation", 1, "AnythingAtAll", NULL },
        /* 5156 */
        { "network_connection", 0, "DestinationIp", "DestinationIp" },
        { "network_connection", 1, "DestinationIp", "DestAddress" },
        { "network_connection", 1, "DestinationPort", "DestPort" },
        { "network_connection", 1, "SourceIp", "SourceAddress" },
        { "network_connection", 1, "SourcePort", "SourcePort" },
        { "network_connection", 1, "Image", "Application" },
        { "network_connection", 1, "Protocol", "ProtocolName" },
        { "network_connection", 1, "Initiated", "Initiated" },
        { "network_connection", 1, "DestinationHostname", NULL },
        { "network_connection", 1, "ProcessId", NULL },
        { "network_connection", 1, "CommandLine", NULL },
        /* 4657 */
        { "registry_set", 0, "TargetObject", "TargetObject" },
        { "registry_set", 1, "TargetObject", "TargetObject" },
        { "registry_set", 1, "Details", "NewValue" },
        { "registry_set", 1, "Image", "ProcessName" },
        { "registry_set", 1, "EventType", NULL },
        { "registry_event", 1, "Details", "NewValue" },
        /* 4663 */
        { "file_access", 0, "FileName", "ObjectName" },
        { "file_access", 0, "Image", "ProcessName" },
        { "file_access", 0, "ParentImage", NULL },
        /* PowerShell: identity */
        { "ps_script", 0, "ScriptBlockText", "ScriptBlockText" },
        { "ps_module", 1, "Payload", "Payload" },
        { "ps_classic_start", 0, "Data", "Data" },
};

START_TEST(test_map_field)
{
        struct logsource_resolution r;

        for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
                ck_assert_int_eq(logsource_resolve("windows", maps[i].category, NULL, &r, NULL, 0), 0);
                ck_assert_uint_lt(maps[i].variant, r.nvariants);
                const char *got = logsource_map_field(&r.variants[maps[i].variant], maps[i].sigma);
                if (maps[i].event)
                        ck_assert_msg(got && strcmp(got, maps[i].event) == 0, "%s/%zu %s → %s", maps[i].category,
                                      maps[i].variant, maps[i].sigma, got ? got : "(null)");
                else
                        ck_assert_msg(got == NULL, "%s/%zu %s → %s, want unavailable", maps[i].category,
                                      maps[i].variant, maps[i].sigma, got);
        }
}
END_TEST

START_TEST(test_map_open)
{
        static const struct logsource_map m[] = { { "Image", "Exe" }, { "Hashes", NULL }, { NULL, NULL } };
        struct logsource_variant v = { .name = "x", .channel = "X", .map = m, .map_is_closed = false };

        ck_assert_str_eq(logsource_map_field(&v, "Image"), "Exe");
        ck_assert_ptr_null(logsource_map_field(&v, "Hashes"));
        ck_assert_str_eq(logsource_map_field(&v, "Other"), "Other");
        v.map_is_closed = true;
        ck_assert_ptr_null(logsource_map_field(&v, "Other"));
        v.map = NULL;
        ck_assert_str_eq(logsource_map_field(&v, "Other"), "Other");
}
END_TEST

/* ---- derived fields ---- */

static void set(struct winevent *ev, const char *name, const char *value)
{
        ck_assert_int_eq(winevent_set_field(ev, name, strlen(name), value, strlen(value)), 0);
}

static const char *get(const struct winevent *ev, const char *name)
{
        const struct winevent_field *f = winevent_get(ev, name);

        return f ? f->value : NULL;
}

static void ev_4688(struct winevent *ev)
{
        winevent_reset(ev);
        ev->channel = "Security";
        ev->event_id = 4688;
        set(ev, "SubjectUserSid", "S-1-5-21-1-2-3-1104");
        set(ev, "SubjectUserName", "alice");
        set(ev, "SubjectDomainName", "EXAMPLE");
        set(ev, "SubjectLogonId", "0x1caf291");
        set(ev, "NewProcessId", "0x1a2c");
        set(ev, "NewProcessName", "C:\\Windows\\System32\\whoami.exe");
        set(ev, "ProcessId", "0x248");
        set(ev, "TargetUserName", "-");
        set(ev, "TargetDomainName", "-");
        set(ev, "MandatoryLabel", "S-1-16-12288");
}

START_TEST(test_derive_4688)
{
        struct winevent ev;

        winevent_init(&ev);
        ev_4688(&ev);
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "User"), "EXAMPLE\\alice");
        ck_assert_str_eq(get(&ev, "IntegrityLevel"), "High");
        ck_assert_str_eq(get(&ev, "NewProcessIdDecimal"), "6700");
        ck_assert_str_eq(get(&ev, "CreatorProcessIdDecimal"), "584");
        ck_assert_str_eq(get(&ev, "ProcessId"), "0x248");     /* the source's own field is kept */
        size_t n = ev.nfields;
        ck_assert_int_eq(logsource_derive(&ev), 0);           /* once: a second call adds nothing */
        ck_assert_uint_eq(ev.nfields, n);

        /* SYSTEM's logon session: Sysmon's name, not the machine account */
        ev_4688(&ev);
        set(&ev, "SubjectUserName", "WIN-77LTAPHIQ1R$");
        set(&ev, "SubjectLogonId", "0x3e7");
        set(&ev, "MandatoryLabel", "S-1-16-16384");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "User"), "NT AUTHORITY\\SYSTEM");
        ck_assert_str_eq(get(&ev, "IntegrityLevel"), "System");

        /* runas: the new process's account */
        ev_4688(&ev);
        set(&ev, "TargetUserName", "admmarsid");
        set(&ev, "TargetDomainName", "EXAMPLE");
        set(&ev, "MandatoryLabel", "S-1-16-8448");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "User"), "EXAMPLE\\admmarsid");
        ck_assert_str_eq(get(&ev, "IntegrityLevel"), "Medium");

        /* labels */
        static const char *const labels[][2] = {
                { "S-1-16-4096", "Low" }, { "S-1-16-8192", "Medium" }, { "S-1-16-0", "Untrusted" },
        };
        for (size_t i = 0; i < 3; i++) {
                ev_4688(&ev);
                set(&ev, "MandatoryLabel", labels[i][0]);
                ck_assert_int_eq(logsource_derive(&ev), 0);
                ck_assert_str_eq(get(&ev, "IntegrityLevel"), labels[i][1]);
        }

        /* NXLog CE: no creator ProcessId (its system ProcessID is another
         * process), no MandatoryLabel (4688 version 0/1), odd ids */
        winevent_reset(&ev);
        ev.channel = "Security";
        ev.event_id = 4688;
        set(&ev, "ProcessID", "4");
        set(&ev, "SubjectUserName", "bob");
        set(&ev, "SubjectDomainName", "-");
        set(&ev, "NewProcessId", "0xzz");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "User"), "bob");
        ck_assert_ptr_null(get(&ev, "IntegrityLevel"));
        ck_assert_ptr_null(get(&ev, "NewProcessIdDecimal"));
        ck_assert_ptr_null(get(&ev, "CreatorProcessIdDecimal"));

        /* an existing field is not overwritten */
        ev_4688(&ev);
        set(&ev, "User", "given");
        set(&ev, "IntegrityLevel", "given");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "User"), "given");
        ck_assert_str_eq(get(&ev, "IntegrityLevel"), "given");
        winevent_free(&ev);
}
END_TEST

/* User is cut as snprintf into 512 bytes cut it: a domain that fills the
 * buffer leaves no room for the backslash and the name, a long name is cut
 * after them. */
START_TEST(test_derive_user_cut)
{
        struct winevent ev;
        char dom[600], name[600], want[512];

        memset(dom, 'D', sizeof(dom) - 1);
        dom[sizeof(dom) - 1] = '\0';
        memset(name, 'n', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        winevent_init(&ev);
        ev_4688(&ev);
        set(&ev, "SubjectDomainName", dom);
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_int_gt(snprintf(want, sizeof(want), "%s\\%s", dom, "alice"), 511);     /* cut */
        ck_assert_str_eq(get(&ev, "User"), want);
        ev_4688(&ev);
        set(&ev, "SubjectDomainName", "CORP");
        set(&ev, "SubjectUserName", name);
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_int_gt(snprintf(want, sizeof(want), "CORP\\%s", name), 511);
        ck_assert_str_eq(get(&ev, "User"), want);
        ck_assert_uint_eq(strlen(get(&ev, "User")), 511);
        winevent_free(&ev);
}
END_TEST

/* The derivations remember interned names (per thread); after
 * intern_reset() they must look them up again, not use freed ones. */
START_TEST(test_derive_after_intern_reset)
{
        struct winevent ev;

        for (int round = 0; round < 3; round++) {
                winevent_init(&ev);
                ev_4688(&ev);
                ck_assert_int_eq(logsource_derive(&ev), 0);
                ck_assert_str_eq(get(&ev, "User"), "EXAMPLE\\alice");
                ck_assert_str_eq(get(&ev, "IntegrityLevel"), "High");
                ck_assert_str_eq(get(&ev, "NewProcessIdDecimal"), "6700");
                winevent_free(&ev);
                intern_reset();
        }
}
END_TEST

START_TEST(test_derive_5156_4657)
{
        struct winevent ev;

        winevent_init(&ev);
        ev.channel = "Security";
        ev.event_id = 5156;
        set(&ev, "Direction", "%%14593");
        set(&ev, "Protocol", "6");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "Initiated"), "true");
        ck_assert_str_eq(get(&ev, "ProtocolName"), "tcp");

        winevent_reset(&ev);
        ev.channel = "Security";
        ev.event_id = 5156;
        set(&ev, "Direction", "%%14592");
        set(&ev, "Protocol", "17");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "Initiated"), "false");
        ck_assert_str_eq(get(&ev, "ProtocolName"), "udp");

        winevent_reset(&ev);
        ev.channel = "Security";
        ev.event_id = 4657;
        set(&ev, "ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run");
        set(&ev, "ObjectValueName", "evil");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "TargetObject"), "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\evil");

        winevent_reset(&ev);
        ev.channel = "Security";
        ev.event_id = 4657;
        set(&ev, "ObjectName", "\\REGISTRY\\USER\\S-1-5-21-1\\Environment");
        set(&ev, "ObjectValueName", "-");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "TargetObject"), "HKU\\S-1-5-21-1\\Environment");
        winevent_free(&ev);
}
END_TEST

START_TEST(test_derive_noop)
{
        struct winevent ev;

        winevent_init(&ev);
        /* Sysmon 1 carries the Sigma names itself */
        ev.channel = SYSMON;
        ev.event_id = 1;
        set(&ev, "MandatoryLabel", "S-1-16-12288");
        set(&ev, "NewProcessId", "0x10");
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_uint_eq(ev.nfields, 2);
        /* other Security events */
        ev.channel = "Security";
        ev.event_id = 4624;
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_uint_eq(ev.nfields, 2);
        /* 4688 id on another channel */
        ev.channel = "System";
        ev.event_id = 4688;
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_uint_eq(ev.nfields, 2);
        ev.channel = "";
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_uint_eq(ev.nfields, 2);
        winevent_free(&ev);
}
END_TEST

/* A whole NXLog CE line through the decoder, as spoord sees it. */
START_TEST(test_derive_decoded)
{
        static const char line[] =
                "{\"EventTime\":\"2019-03-18 22:15:49\",\"Hostname\":\"pc01.example.corp\",\"EventID\":4688,"
                "\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\","
                "\"ProcessID\":4,\"RecordNumber\":7,\"SubjectUserSid\":\"S-1-5-18\","
                "\"SubjectUserName\":\"PC01$\",\"SubjectDomainName\":\"EXAMPLE\",\"SubjectLogonId\":\"0x3e7\","
                "\"NewProcessId\":\"0xae8\",\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\","
                "\"TokenElevationType\":\"%%1936\",\"CommandLine\":\"cmd /c whoami\","
                "\"TargetUserSid\":\"S-1-0-0\",\"TargetUserName\":\"-\",\"TargetDomainName\":\"-\","
                "\"TargetLogonId\":\"0x0\",\"ParentProcessName\":\"C:\\\\Windows\\\\explorer.exe\","
                "\"MandatoryLabel\":\"S-1-16-12288\"}";
        struct decoder *d = decoder_new(32);
        struct decode_ctx ctx = { .recv_us = 1 };
        struct winevent ev;
        enum reject_reason why;
        char detail[128];

        ck_assert_ptr_nonnull(d);
        winevent_init(&ev);
        ck_assert_int_eq(decode_event(d, line, sizeof(line) - 1, &ctx, &ev, &why, detail, sizeof(detail)), 0);
        ck_assert_int_eq(logsource_derive(&ev), 0);
        ck_assert_str_eq(get(&ev, "User"), "NT AUTHORITY\\SYSTEM");
        ck_assert_str_eq(get(&ev, "IntegrityLevel"), "High");
        ck_assert_str_eq(get(&ev, "NewProcessIdDecimal"), "2792");
        ck_assert_ptr_null(get(&ev, "CreatorProcessIdDecimal"));

        struct logsource_resolution r;
        ck_assert_int_eq(logsource_resolve("windows", "process_creation", NULL, &r, NULL, 0), 0);
        ck_assert_str_eq(get(&ev, logsource_map_field(&r.variants[1], "Image")), "C:\\Windows\\System32\\cmd.exe");
        ck_assert_str_eq(get(&ev, logsource_map_field(&r.variants[1], "ParentImage")), "C:\\Windows\\explorer.exe");
        ck_assert_str_eq(get(&ev, logsource_map_field(&r.variants[1], "ProcessId")), "2792");
        ck_assert_ptr_null(get(&ev, logsource_map_field(&r.variants[1], "ParentProcessId")));
        winevent_free(&ev);
        decoder_free(d);
}
END_TEST

/* ---- SigmaHQ's Windows rules ---- */

struct corpus {
        unsigned rules, resolved, unsupported;
};

static const char *ls_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
               json_object_get_string(v) : NULL;
}

static void corpus_doc(void *ud, const char *path, struct json_object *doc)
{
        struct corpus *c = ud;
        struct json_object *ls;
        struct logsource_resolution r;
        char err[256];

        ck_assert_msg(doc != NULL, "%s: not valid YAML", path);
        if (!json_object_object_get_ex(doc, "logsource", &ls))
                return;
        c->rules++;
        if (logsource_resolve(ls_str(ls, "product"), ls_str(ls, "category"), ls_str(ls, "service"), &r, err,
                              sizeof(err)) == 0) {
                c->resolved++;
        } else {
                c->unsupported++;
                printf("%s: %s\n", path, err);
        }
}

START_TEST(test_sigmahq_windows_logsources)
{
        char dir[4096];
        struct corpus c = { 0 };

        if (!unit_shared_dir("sigma/rules/windows", dir, sizeof(dir)))
                return;
        unit_walk_rules(dir, corpus_doc, &c);
        printf("sigmahq windows: %u rules, %u logsources resolved, %u unsupported\n", c.rules, c.resolved,
               c.unsupported);
        ck_assert_uint_gt(c.rules, 0);
        /* only file_rename (Kernel-File ETW) and the product-only keyword rule
         * have no single event log source */
        ck_assert_uint_le(c.unsupported, 2);
}
END_TEST

static Suite *logsource_suite(void)
{
        Suite *s = suite_create("logsource");
        TCase *tc;

        tc = tcase_create("resolve");
        tcase_add_test(tc, test_services);
        tcase_add_test(tc, test_categories);
        tcase_add_test(tc, test_combinations);
        suite_add_tcase(s, tc);

        tc = tcase_create("map");
        tcase_add_test(tc, test_map_field);
        tcase_add_test(tc, test_map_open);
        suite_add_tcase(s, tc);

        tc = tcase_create("derive");
        tcase_add_test(tc, test_derive_4688);
        tcase_add_test(tc, test_derive_user_cut);
        tcase_add_test(tc, test_derive_after_intern_reset);
        tcase_add_test(tc, test_derive_5156_4657);
        tcase_add_test(tc, test_derive_noop);
        tcase_add_test(tc, test_derive_decoded);
        suite_add_tcase(s, tc);

        tc = tcase_create("sigmahq");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_sigmahq_windows_logsources);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(logsource_suite());
}
