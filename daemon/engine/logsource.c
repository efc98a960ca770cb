/* Sigma logsource → Windows telemetry: channels, event ids, field maps
 * (include/spoor/logsource.h), and the derived fields some sources need.
 *
 * Sources: the Sigma taxonomy appendix, SigmaHQ's logsource guides,
 * pySigma's windows_logsource_mapping (services), pySigma-pipeline-sysmon
 * (category → Sysmon event id) and pySigma-pipeline-windows'
 * windows_audit_pipeline (4688 / 4657 renames), checked against real events.
 *
 * Decisions:
 *  - product: absent or "windows" (any case); anything else is -ENOTSUP.
 *    `product: windows` alone (keyword rules over every Windows log, e.g.
 *    win_alert_mimikatz_keywords) is -ENOTSUP: a variant names one channel,
 *    and the (channel, event id) index has no "any channel" slot.
 *  - category + service: the category's variants whose channel belongs to
 *    the service (process_creation + security → only 4688).
 *  - Security variants use closed maps: a Sigma field not listed is not
 *    available on that source (the matcher says "cannot evaluate"), and
 *    Sysmon-only fields are listed with event NULL so --check can show them.
 *    The system fields (EventID, Channel, Computer, Provider_Name,
 *    EventRecordID) are identity on every source.
 *  - registry_add / registry_delete are Sysmon 12 only (Security 4657 audits
 *    values, not key creation; 4660 names no object); the rules filter
 *    EventType themselves, as with pySigma.  registry_set / registry_event add
 *    Security 4657, which also fires for value deletion (no OperationType
 *    filter here).
 *  - file_access (SigmaHQ: Microsoft-Windows-Kernel-File ETW) → Security 4663
 *    (object access; needs SACLs on the files and also reports registry and
 *    other objects).  file_rename: no event log channel carries renames →
 *    -ENOTSUP.
 *  - Derived fields are named after the Sigma field when the source has no
 *    field of that name (User, IntegrityLevel, Initiated, TargetObject) and
 *    descriptively otherwise: 4688's own `ProcessId` is the *creator*, so the
 *    new process id is NewProcessIdDecimal and the parent's
 *    CreatorProcessIdDecimal; 5156's `Protocol` is a number, its name is
 *    ProtocolName.
 *
 * Caveats (values a map cannot fix):
 *  - 5156 Application is "\device\harddiskvolume1\windows\...": Image|endswith
 *    works, full-path equality against "C:\..." does not.
 *  - 4657 ObjectName is "\REGISTRY\MACHINE\...": derived TargetObject turns
 *    it into Sysmon's "HKLM\...\ValueName" (\REGISTRY\USER → HKU; Sysmon's
 *    HKCR abbreviation is not reproduced).  NewValue is the bare value where
 *    Sysmon's Details says "DWORD (0x00000001)".
 *  - NXLog CE drops 4688's creator ProcessId (clash with its system key
 *    ProcessID): then ParentProcessId cannot be evaluated.  For the same
 *    reason 5156's ProcessID may be the logging process: ProcessId is not
 *    mapped on 5156.
 *  - User is rendered in English ("NT AUTHORITY\SYSTEM"); Sysmon localizes it. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spoor/decimal.h"
#include "spoor/intern.h"
#include "spoor/logsource.h"

#define CH_SECURITY "Security"
#define CH_SYSMON "Microsoft-Windows-Sysmon/Operational"
#define CH_PS "Microsoft-Windows-PowerShell/Operational"
#define CH_PS_CORE "PowerShellCore/Operational"
#define CH_PS_CLASSIC "Windows PowerShell"

#define IDS(...) .event_ids = { __VA_ARGS__ }, \
        .nevent_ids = sizeof((uint16_t[]){ __VA_ARGS__ }) / sizeof(uint16_t)
#define SYSMON(...) { .name = "sysmon", .channel = CH_SYSMON, IDS(__VA_ARGS__) }
#define CHAN(n, c) { .name = n, .channel = c }

/* System fields every dialect provides under these names (winevent.h). */
#define MAP_SYSTEM \
        { "EventID", "EventID" }, \
        { "Channel", "Channel" }, \
        { "Computer", "Computer" }, \
        { "Provider_Name", "Provider_Name" }, \
        { "EventRecordID", "EventRecordID" }

/* Security 4688 as process_creation. */
static const struct logsource_map map_4688[] = {
        MAP_SYSTEM,
        { "Image", "NewProcessName" },
        { "ParentImage", "ParentProcessName" },
        { "CommandLine", "CommandLine" },
        { "User", "User" },                             /* derived */
        { "IntegrityLevel", "IntegrityLevel" },         /* derived from MandatoryLabel */
        { "ProcessId", "NewProcessIdDecimal" },         /* derived */
        { "ParentProcessId", "CreatorProcessIdDecimal" }, /* derived; absent from NXLog CE */
        { "LogonId", "SubjectLogonId" },                /* as pySigma; TargetLogonId when runas */
        /* 4688's own fields */
        { "SubjectUserSid", "SubjectUserSid" },
        { "SubjectUserName", "SubjectUserName" },
        { "SubjectDomainName", "SubjectDomainName" },
        { "SubjectLogonId", "SubjectLogonId" },
        { "NewProcessId", "NewProcessId" },
        { "NewProcessName", "NewProcessName" },
        { "TokenElevationType", "TokenElevationType" },
        { "TargetUserSid", "TargetUserSid" },
        { "TargetUserName", "TargetUserName" },
        { "TargetDomainName", "TargetDomainName" },
        { "TargetLogonId", "TargetLogonId" },
        { "ParentProcessName", "ParentProcessName" },
        { "MandatoryLabel", "MandatoryLabel" },
        /* Sysmon 1 only */
        { "OriginalFileName", NULL },
        { "Hashes", NULL },
        { "Imphash", NULL },
        { "md5", NULL },
        { "sha1", NULL },
        { "sha256", NULL },
        { "Product", NULL },
        { "Company", NULL },
        { "Description", NULL },
        { "FileVersion", NULL },
        { "CurrentDirectory", NULL },
        { "ParentCommandLine", NULL },
        { "ParentUser", NULL },
        { "ProcessGuid", NULL },
        { "ParentProcessGuid", NULL },
        { "LogonGuid", NULL },
        { "TerminalSessionId", NULL },
        { "UtcTime", NULL },
        { "RuleName", NULL },
        { NULL, NULL },
};

/* Security 5156 (WFP permitted connection) as network_connection. */
static const struct logsource_map map_5156[] = {
        MAP_SYSTEM,
        { "Image", "Application" },                     /* \device\harddiskvolumeN\... */
        { "DestinationIp", "DestAddress" },
        { "DestinationPort", "DestPort" },
        { "SourceIp", "SourceAddress" },
        { "SourcePort", "SourcePort" },
        { "Protocol", "ProtocolName" },                 /* derived: 6 → tcp, 17 → udp */
        { "Initiated", "Initiated" },                   /* derived from Direction */
        /* 5156's own fields */
        { "Application", "Application" },
        { "Direction", "Direction" },
        { "SourceAddress", "SourceAddress" },
        { "DestAddress", "DestAddress" },
        { "DestPort", "DestPort" },
        { "FilterRTID", "FilterRTID" },
        { "LayerName", "LayerName" },
        { "LayerRTID", "LayerRTID" },
        { "RemoteUserID", "RemoteUserID" },
        { "RemoteMachineID", "RemoteMachineID" },
        /* Sysmon 3 only (ProcessId: see the caveat above) */
        { "ProcessId", NULL },
        { "ProcessGuid", NULL },
        { "User", NULL },
        { "CommandLine", NULL },
        { "ParentImage", NULL },
        { "SourceHostname", NULL },
        { "DestinationHostname", NULL },
        { "SourceIsIpv6", NULL },
        { "DestinationIsIpv6", NULL },
        { "SourcePortName", NULL },
        { "DestinationPortName", NULL },
        { "UtcTime", NULL },
        { "RuleName", NULL },
        { NULL, NULL },
};

/* Security 4657 (registry value modified) as registry_set / registry_event. */
static const struct logsource_map map_4657[] = {
        MAP_SYSTEM,
        { "TargetObject", "TargetObject" },             /* derived: HKLM\key\value */
        { "Details", "NewValue" },
        { "Image", "ProcessName" },
        /* 4657's own fields */
        { "SubjectUserSid", "SubjectUserSid" },
        { "SubjectUserName", "SubjectUserName" },
        { "SubjectDomainName", "SubjectDomainName" },
        { "SubjectLogonId", "SubjectLogonId" },
        { "ObjectName", "ObjectName" },
        { "ObjectValueName", "ObjectValueName" },
        { "HandleId", "HandleId" },
        { "OperationType", "OperationType" },
        { "OldValueType", "OldValueType" },
        { "OldValue", "OldValue" },
        { "NewValueType", "NewValueType" },
        { "NewValue", "NewValue" },
        { "ProcessName", "ProcessName" },
        /* Sysmon 12/13/14 only */
        { "EventType", NULL },
        { "NewName", NULL },
        { "User", NULL },
        { "ProcessId", NULL },
        { "ProcessGuid", NULL },
        { "UtcTime", NULL },
        { "RuleName", NULL },
        { NULL, NULL },
};

/* Security 4663 (object access) as file_access. */
static const struct logsource_map map_4663[] = {
        MAP_SYSTEM,
        { "FileName", "ObjectName" },
        { "Image", "ProcessName" },
        /* 4663's own fields */
        { "SubjectUserSid", "SubjectUserSid" },
        { "SubjectUserName", "SubjectUserName" },
        { "SubjectDomainName", "SubjectDomainName" },
        { "SubjectLogonId", "SubjectLogonId" },
        { "ObjectServer", "ObjectServer" },
        { "ObjectType", "ObjectType" },
        { "ObjectName", "ObjectName" },
        { "HandleId", "HandleId" },
        { "AccessList", "AccessList" },
        { "AccessMask", "AccessMask" },
        { "ProcessName", "ProcessName" },
        /* Kernel-File ETW only */
        { "ParentImage", NULL },
        { "CommandLine", NULL },
        { "User", NULL },
        { "ProcessId", NULL },
        { NULL, NULL },
};

#define SEC(id, m) { .name = "security", .channel = CH_SECURITY, IDS(id), .map = m, .map_is_closed = true }

struct ls_category {
        const char *name;
        const char *unsupported;        /* reason, or NULL */
        size_t n;
        struct logsource_variant v[LOGSOURCE_MAX_VARIANTS];
};

static const struct ls_category ls_categories[] = {
        { "process_creation", NULL, 2, { SYSMON(1), SEC(4688, map_4688) } },
        { "file_change", NULL, 1, { SYSMON(2) } },
        { "network_connection", NULL, 2, { SYSMON(3), SEC(5156, map_5156) } },
        { "sysmon_status", NULL, 1, { SYSMON(4, 16) } },
        { "process_termination", NULL, 1, { SYSMON(5) } },
        { "driver_load", NULL, 1, { SYSMON(6) } },
        { "image_load", NULL, 1, { SYSMON(7) } },
        { "create_remote_thread", NULL, 1, { SYSMON(8) } },
        { "raw_access_thread", NULL, 1, { SYSMON(9) } },
        { "process_access", NULL, 1, { SYSMON(10) } },
        { "file_event", NULL, 1, { SYSMON(11) } },
        { "registry_add", NULL, 1, { SYSMON(12) } },
        { "registry_delete", NULL, 1, { SYSMON(12) } },
        { "registry_set", NULL, 2, { SYSMON(13), SEC(4657, map_4657) } },
        { "registry_rename", NULL, 1, { SYSMON(14) } },
        { "registry_event", NULL, 2, { SYSMON(12, 13, 14), SEC(4657, map_4657) } },
        { "create_stream_hash", NULL, 1, { SYSMON(15) } },
        { "pipe_created", NULL, 1, { SYSMON(17, 18) } },
        { "wmi_event", NULL, 1, { SYSMON(19, 20, 21) } },
        { "dns_query", NULL, 1, { SYSMON(22) } },
        { "file_delete", NULL, 1, { SYSMON(23, 26) } },
        { "clipboard_capture", NULL, 1, { SYSMON(24) } },
        { "process_tampering", NULL, 1, { SYSMON(25) } },
        { "file_delete_detected", NULL, 1, { SYSMON(26) } },
        { "file_block_executable", NULL, 1, { SYSMON(27) } },
        { "file_block_shredding", NULL, 1, { SYSMON(28) } },
        { "file_executable_detected", NULL, 1, { SYSMON(29) } },
        { "sysmon_error", NULL, 1, { SYSMON(255) } },
        { "file_access", NULL, 1, { SEC(4663, map_4663) } },
        { "ps_module", NULL, 2, {
                { .name = "powershell", .channel = CH_PS, IDS(4103) },
                { .name = "powershell-core", .channel = CH_PS_CORE, IDS(4103) } } },
        { "ps_script", NULL, 2, {
                { .name = "powershell", .channel = CH_PS, IDS(4104) },
                { .name = "powershell-core", .channel = CH_PS_CORE, IDS(4104) } } },
        { "ps_classic_start", NULL, 1, { { .name = "powershell-classic", .channel = CH_PS_CLASSIC, IDS(400) } } },
        { "ps_classic_provider_start", NULL, 1,
          { { .name = "powershell-classic", .channel = CH_PS_CLASSIC, IDS(600) } } },
        { "ps_classic_script", NULL, 1, { { .name = "powershell-classic", .channel = CH_PS_CLASSIC, IDS(800) } } },
        { "file_rename",
          "needs the Microsoft-Windows-Kernel-File ETW provider (rename events), which no event log channel carries",
          0, { { 0 } } },
};

struct ls_service {
        const char *name;
        size_t n;
        struct logsource_variant v[LOGSOURCE_MAX_VARIANTS];
};

#define SVC1(s, c) { s, 1, { CHAN(s, c) } }

static const struct ls_service ls_services[] = {
        SVC1("security", CH_SECURITY),
        SVC1("system", "System"),
        SVC1("application", "Application"),
        SVC1("sysmon", CH_SYSMON),
        { "powershell", 2, { CHAN("powershell", CH_PS), CHAN("powershell-core", CH_PS_CORE) } },
        SVC1("powershell-classic", CH_PS_CLASSIC),
        SVC1("taskscheduler", "Microsoft-Windows-TaskScheduler/Operational"),
        SVC1("wmi", "Microsoft-Windows-WMI-Activity/Operational"),
        SVC1("dns-server", "DNS Server"),
        SVC1("dns-server-audit", "Microsoft-Windows-DNS-Server/Audit"),
        SVC1("dns-server-analytic", "Microsoft-Windows-DNS-Server/Analytical"),
        SVC1("dns-client", "Microsoft-Windows-DNS Client Events/Operational"),
        SVC1("driver-framework", "Microsoft-Windows-DriverFrameworks-UserMode/Operational"),
        SVC1("ntlm", "Microsoft-Windows-NTLM/Operational"),
        SVC1("dhcp", "Microsoft-Windows-DHCP-Server/Operational"),
        SVC1("msexchange-management", "MSExchange Management"),
        { "applocker", 4, {
                CHAN("applocker-msi-and-script", "Microsoft-Windows-AppLocker/MSI and Script"),
                CHAN("applocker-exe-and-dll", "Microsoft-Windows-AppLocker/EXE and DLL"),
                CHAN("applocker-packaged-app-deployment", "Microsoft-Windows-AppLocker/Packaged app-Deployment"),
                CHAN("applocker-packaged-app-execution", "Microsoft-Windows-AppLocker/Packaged app-Execution") } },
        SVC1("printservice-admin", "Microsoft-Windows-PrintService/Admin"),
        SVC1("printservice-operational", "Microsoft-Windows-PrintService/Operational"),
        SVC1("codeintegrity-operational", "Microsoft-Windows-CodeIntegrity/Operational"),
        SVC1("smbclient-security", "Microsoft-Windows-SmbClient/Security"),
        SVC1("smbclient-connectivity", "Microsoft-Windows-SmbClient/Connectivity"),
        SVC1("smbserver-connectivity", "Microsoft-Windows-SMBServer/Connectivity"),
        SVC1("firewall-as", "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"),
        SVC1("bits-client", "Microsoft-Windows-Bits-Client/Operational"),
        SVC1("windefend", "Microsoft-Windows-Windows Defender/Operational"),
        SVC1("terminalservices-localsessionmanager",
             "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"),
        SVC1("microsoft-servicebus-client", "Microsoft-ServiceBus-Client"),
        SVC1("servicebus-client", "Microsoft-ServiceBus-Client"),
        SVC1("ldap", "Microsoft-Windows-LDAP-Client/Debug"),
        SVC1("ldap_debug", "Microsoft-Windows-LDAP-Client/Debug"),
        { "security-mitigations", 2, {
                CHAN("security-mitigations-kernel", "Microsoft-Windows-Security-Mitigations/Kernel Mode"),
                CHAN("security-mitigations-user", "Microsoft-Windows-Security-Mitigations/User Mode") } },
        SVC1("diagnosis-scripted", "Microsoft-Windows-Diagnosis-Scripted/Operational"),
        SVC1("shell-core", "Microsoft-Windows-Shell-Core/Operational"),
        SVC1("openssh", "OpenSSH/Operational"),
        SVC1("bitlocker", "Microsoft-Windows-BitLocker/BitLocker Management"),
        SVC1("vhdmp", "Microsoft-Windows-VHDMP/Operational"),
        SVC1("appxdeployment-server", "Microsoft-Windows-AppXDeploymentServer/Operational"),
        SVC1("appxpackaging-om", "Microsoft-Windows-AppxPackaging/Operational"),
        SVC1("appmodel-runtime", "Microsoft-Windows-AppModel-Runtime/Admin"),
        SVC1("lsa-server", "Microsoft-Windows-LSA/Operational"),
        SVC1("capi2", "Microsoft-Windows-CAPI2/Operational"),
        SVC1("certificateservicesclient-lifecycle-system",
             "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"),
        SVC1("iis-configuration", "Microsoft-IIS-Configuration/Operational"),
};

static int ls_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int ls_fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (err && errlen) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -ENOTSUP;
}

static const struct ls_category *ls_find_category(const char *name)
{
        for (size_t i = 0; i < sizeof(ls_categories) / sizeof(ls_categories[0]); i++)
                if (strcasecmp(ls_categories[i].name, name) == 0)
                        return &ls_categories[i];
        return NULL;
}

static const struct ls_service *ls_find_service(const char *name)
{
        for (size_t i = 0; i < sizeof(ls_services) / sizeof(ls_services[0]); i++)
                if (strcasecmp(ls_services[i].name, name) == 0)
                        return &ls_services[i];
        return NULL;
}

static bool ls_service_has_channel(const struct ls_service *s, const char *channel)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i].channel, channel) == 0)
                        return true;
        return false;
}

int logsource_resolve(const char *product, const char *category, const char *service,
                      struct logsource_resolution *out, char *err, size_t errlen)
{
        const struct ls_category *c = NULL;
        const struct ls_service *s = NULL;

        memset(out, 0, sizeof(*out));
        if (err && errlen)
                err[0] = '\0';
        if (product && strcasecmp(product, "windows") != 0)
                return ls_fail(err, errlen, "logsource: product '%s' is not Windows", product);
        if (service) {
                s = ls_find_service(service);
                if (!s)
                        return ls_fail(err, errlen, "logsource: service '%s' has no known Windows channel", service);
        }
        if (category) {
                c = ls_find_category(category);
                if (!c)
                        return ls_fail(err, errlen, "logsource: category '%s' has no Windows telemetry mapping",
                                       category);
                if (c->unsupported)
                        return ls_fail(err, errlen, "logsource: category '%s' %s", c->name, c->unsupported);
        }
        if (c) {
                for (size_t i = 0; i < c->n; i++)
                        if (!s || ls_service_has_channel(s, c->v[i].channel))
                                out->variants[out->nvariants++] = c->v[i];
                if (out->nvariants == 0)
                        return ls_fail(err, errlen, "logsource: category '%s' has no source in service '%s'",
                                       c->name, s->name);
                return 0;
        }
        if (s) {
                for (size_t i = 0; i < s->n; i++)
                        out->variants[out->nvariants++] = s->v[i];
                return 0;
        }
        if (!product)
                return ls_fail(err, errlen, "logsource: no product, category or service");
        return ls_fail(err, errlen,
                       "logsource: product 'windows' without a category or service (every Windows log) is not supported");
}

const char *logsource_map_field(const struct logsource_variant *v, const char *sigma_field)
{
        if (!v->map)
                return sigma_field;
        for (const struct logsource_map *m = v->map; m->sigma; m++)
                if (strcmp(m->sigma, sigma_field) == 0)
                        return m->event;
        return v->map_is_closed ? NULL : sigma_field;
}

/* ---- derived fields ---- */

/* The field of a literal name: a 4688 reads a dozen, and looked up by name
 * each would be hashed each time (intern_literal). */
static const struct winevent_field *ls_get(const struct winevent *ev, const char *name)
{
        const char *key = intern_literal(name);

        return key ? winevent_get_interned(ev, key) : winevent_get(ev, name);
}

static const char *ls_value(const struct winevent *ev, const char *name)
{
        const struct winevent_field *f = ls_get(ev, name);

        return f && f->value[0] && strcmp(f->value, "-") != 0 ? f->value : NULL;
}

/* Set `name` unless the event already has it.  0 or -ENOMEM. */
static int ls_add(struct winevent *ev, const char *name, const char *value)
{
        const char *key;

        if (!value || ls_get(ev, name))
                return 0;
        if ((key = intern_literal(name)))
                return winevent_set_field_interned(ev, key, value, strlen(value));
        return winevent_set_field(ev, name, strlen(name), value, strlen(value));
}

/* Append s to buf[*o..size - 1), cut where it ends. */
static void ls_append(char *buf, size_t size, size_t *o, const char *s)
{
        size_t n = strlen(s);

        if (n > size - 1 - *o)
                n = size - 1 - *o;
        memcpy(buf + *o, s, n);
        *o += n;
}

/* "DOMAIN\user", or "user" without a domain, into buf, cut to its size as
 * snprintf() would (once per 4688: snprintf cost more than the rest). */
static const char *ls_account(char *buf, size_t size, const char *dom, const char *name)
{
        size_t o = 0;

        if (dom) {
                ls_append(buf, size, &o, dom);
                ls_append(buf, size, &o, "\\");
        }
        ls_append(buf, size, &o, name);
        buf[o] = '\0';
        return buf;
}

/* "0x1a2c" (hex) or "6700" (decimal) → decimal text; false when invalid. */
static bool ls_pid_decimal(const char *s, char *buf, size_t len)
{
        bool hex = s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        const char *digits = hex ? s + 2 : s;
        char *end;
        unsigned long long v;

        if (!s || !(hex ? isxdigit((unsigned char)digits[0]) : isdigit((unsigned char)digits[0])))
                return false;
        errno = 0;
        v = strtoull(digits, &end, hex ? 16 : 10);
        if (errno || *end)
                return false;
        /* "%llu" without snprintf: one per 4688 event, twice */
        char tmp[DECIMAL_U64_MAX];
        size_t n;
        const char *p = decimal_u64(v, tmp, &n);
        if (n >= len)
                return false;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return true;
}

static int ls_derive_4688(struct winevent *ev)
{
        static const struct {
                const char *sid, *level;
        } levels[] = {
                { "S-1-16-0", "Untrusted" },
                { "S-1-16-4096", "Low" },
                { "S-1-16-8192", "Medium" },
                { "S-1-16-8448", "Medium" },    /* MediumPlus: Sysmon writes Medium */
                { "S-1-16-12288", "High" },
                { "S-1-16-16384", "System" },
        };
        static const struct {
                const char *logon_id, *user;
        } wellknown[] = {
                { "0x3e7", "NT AUTHORITY\\SYSTEM" },
                { "0x3e4", "NT AUTHORITY\\NETWORK SERVICE" },
                { "0x3e5", "NT AUTHORITY\\LOCAL SERVICE" },
        };
        char buf[512];
        int r;

        /* User: the new process's account (Target*, set when it differs from
         * the creator's), else the creator's, with the well-known service
         * logon sessions named as Sysmon names them (not the machine account). */
        if (!ls_get(ev, "User")) {
                const char *user = NULL;
                const char *tname = ls_value(ev, "TargetUserName");
                const char *sname = ls_value(ev, "SubjectUserName");
                if (tname) {
                        user = ls_account(buf, sizeof(buf), ls_value(ev, "TargetDomainName"), tname);
                } else {
                        const char *lid = ls_value(ev, "SubjectLogonId");
                        for (size_t i = 0; lid && i < sizeof(wellknown) / sizeof(wellknown[0]); i++)
                                if (strcasecmp(lid, wellknown[i].logon_id) == 0)
                                        user = wellknown[i].user;
                        if (!user && sname) {
                                user = ls_account(buf, sizeof(buf), ls_value(ev, "SubjectDomainName"), sname);
                        }
                }
                if ((r = ls_add(ev, "User", user)) < 0)
                        return r;
        }

        const char *label = ls_value(ev, "MandatoryLabel");
        for (size_t i = 0; label && i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcasecmp(label, levels[i].sid) == 0) {
                        if ((r = ls_add(ev, "IntegrityLevel", levels[i].level)) < 0)
                                return r;
                        break;
                }

        if (ls_pid_decimal(ls_value(ev, "NewProcessId"), buf, sizeof(buf)) &&
            (r = ls_add(ev, "NewProcessIdDecimal", buf)) < 0)
                return r;
        if (ls_pid_decimal(ls_value(ev, "ProcessId"), buf, sizeof(buf)) &&
            (r = ls_add(ev, "CreatorProcessIdDecimal", buf)) < 0)
                return r;
        return 0;
}

static int ls_derive_5156(struct winevent *ev)
{
        const char *dir = ls_value(ev, "Direction");
        const char *proto = ls_value(ev, "Protocol");
        int r;

        if (dir) {
                const char *init = NULL;
                if (strcmp(dir, "%%14593") == 0 || strcasecmp(dir, "Outbound") == 0)
                        init = "true";
                else if (strcmp(dir, "%%14592") == 0 || strcasecmp(dir, "Inbound") == 0)
                        init = "false";
                if ((r = ls_add(ev, "Initiated", init)) < 0)
                        return r;
        }
        if (proto) {
                const char *name = strcmp(proto, "6") == 0 ? "tcp" : strcmp(proto, "17") == 0 ? "udp" : NULL;
                if ((r = ls_add(ev, "ProtocolName", name)) < 0)
                        return r;
        }
        return 0;
}

static int ls_derive_4657(struct winevent *ev)
{
        static const struct {
                const char *prefix, *hive;
        } hives[] = {
                { "\\REGISTRY\\MACHINE", "HKLM" },
                { "\\REGISTRY\\USER", "HKU" },
        };
        const char *obj = ls_value(ev, "ObjectName");
        const char *val = ls_value(ev, "ObjectValueName");
        const char *hive = "";
        char buf[4096];

        if (!obj || ls_get(ev, "TargetObject"))
                return 0;
        for (size_t i = 0; i < sizeof(hives) / sizeof(hives[0]); i++) {
                size_t l = strlen(hives[i].prefix);
                if (strncasecmp(obj, hives[i].prefix, l) == 0 && (obj[l] == '\\' || obj[l] == '\0')) {
                        hive = hives[i].hive;
                        obj += l;
                        break;
                }
        }
        int n = snprintf(buf, sizeof(buf), "%s%s%s%s", hive, obj, val ? "\\" : "", val ? val : "");
        if (n < 0 || (size_t)n >= sizeof(buf))
                return 0;       /* absurdly long: leave it underived */
        return ls_add(ev, "TargetObject", buf);
}

bool logsource_derived_field(const char *name)
{
        /* every name ls_add() is given above */
        static const char *const derived[] = { "User", "IntegrityLevel", "NewProcessIdDecimal",
                                               "CreatorProcessIdDecimal", "Initiated", "ProtocolName",
                                               "TargetObject" };

        for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
                if (strcmp(name, derived[i]) == 0)
                        return true;
        return false;
}

int logsource_derive(struct winevent *ev)
{
        if (!ev->channel || strcmp(ev->channel, CH_SECURITY) != 0)
                return 0;
        switch (ev->event_id) {
        case 4688:
                return ls_derive_4688(ev);
        case 5156:
                return ls_derive_5156(ev);
        case 4657:
                return ls_derive_4657(ev);
        default:
                return 0;
        }
}
