/* Remedies for telemetry gaps (include/spoor/remedy.h).
 *
 * The audit table maps each Security event id named by the Sigma logsource
 * guide for the `security` service (documentation/logsource-guides/windows/
 * service/security.md: per-subcategory event lists and the full event list)
 * to the advanced-audit subcategory that emits it.  Written as data here,
 * sorted by event id, looked up by binary search.
 *
 * Decisions where the guide lists one id under several subcategories: the
 * entry names the one an admin should turn on first, and `also` carries a
 * second subcategory worth enabling:
 *  - 4625: Logon (Account Lockout also reports it);
 *  - 4656/4658/4660/4663: File System, also Registry (same ids for both
 *    object types; Kernel Object and Removable Storage emit them too);
 *  - 4670: File System, also Registry;
 *  - 4661: Directory Service Access, also SAM;
 *  - 4673/4674: Sensitive Privilege Use, also Non Sensitive Privilege Use;
 *  - 4703: Token Right Adjusted, also Authorization Policy Change;
 *  - 4985: File System only.
 * Ids only in the guide's full list: 4744-4748 and 4759-4763 (groups with
 * security disabled, i.e. distribution groups) belong to Distribution Group
 * Management; 1100/1102/1104/1105/1108 come from the event log service
 * itself, are written whatever the audit policy says, and have no
 * subcategory (subcategory and guid NULL).
 *
 * RF_FAILURE: the interesting events are failures (or the event only
 * exists as a failure), so the auditpol line enables failure auditing too.
 * RF_SACL: the subcategory alone produces nothing; the objects need a SACL
 * (audit entries on the file, key or directory object).
 *
 * Channels other than Security: the list of channels that ship disabled is
 * not in the guides we have (the non-Security service guides are still
 * placeholders); it is the usual short list of Operational channels Windows
 * creates but leaves off. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spoor/cleanup.h"
#include "spoor/remedy.h"

enum {
        RF_ALWAYS  = 1 << 0,    /* logged regardless of audit policy */
        RF_FAILURE = 1 << 1,    /* also enable failure auditing */
        RF_SACL    = 1 << 2,    /* objects need a SACL as well */
};

struct audit_entry {
        struct remedy_audit a;  /* first: remedy_audit_for returns &e->a */
        const char *also;       /* second subcategory GUID worth enabling, or NULL */
        unsigned flags;
};

static const struct audit_entry audit_table[] = {
        { { 1100, NULL, NULL, "Event Log" }, NULL, RF_ALWAYS },
        { { 1102, NULL, NULL, "Event Log" }, NULL, RF_ALWAYS },
        { { 1104, NULL, NULL, "Event Log" }, NULL, RF_ALWAYS },
        { { 1105, NULL, NULL, "Event Log" }, NULL, RF_ALWAYS },
        { { 1108, NULL, NULL, "Event Log" }, NULL, RF_ALWAYS },
        { { 4608, "Audit Security State Change", "{0CCE9210-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4610, "Audit Security System Extension", "{0CCE9211-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4611, "Audit Security System Extension", "{0CCE9211-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4612, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4614, "Audit Security System Extension", "{0CCE9211-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4615, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4616, "Audit Security State Change", "{0CCE9210-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4618, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4621, "Audit Security State Change", "{0CCE9210-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4622, "Audit Security System Extension", "{0CCE9211-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4624, "Audit Logon", "{0CCE9215-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4625, "Audit Logon", "{0CCE9215-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, "{0CCE9217-69AE-11D9-BED3-505054503030}", RF_FAILURE },
        { { 4626, "Audit User/Device Claims", "{0CCE9247-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4627, "Audit Group Membership", "{0CCE9249-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4634, "Audit Logoff", "{0CCE9216-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4646, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4647, "Audit Logoff", "{0CCE9216-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4648, "Audit Logon", "{0CCE9215-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4649, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4650, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4651, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4652, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4653, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, RF_FAILURE },
        { { 4655, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4656, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, "{0CCE921E-69AE-11D9-BED3-505054503030}", RF_FAILURE|RF_SACL },
        { { 4657, "Audit Registry", "{0CCE921E-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_SACL },
        { { 4658, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, "{0CCE921E-69AE-11D9-BED3-505054503030}", RF_SACL },
        { { 4660, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, "{0CCE921E-69AE-11D9-BED3-505054503030}", RF_SACL },
        { { 4661, "Audit Directory Service Access", "{0CCE923B-69AE-11D9-BED3-505054503030}", "DS Access" }, "{0CCE9220-69AE-11D9-BED3-505054503030}", RF_SACL },
        { { 4662, "Audit Directory Service Access", "{0CCE923B-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, RF_SACL },
        { { 4663, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, "{0CCE921E-69AE-11D9-BED3-505054503030}", RF_SACL },
        { { 4664, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4665, "Audit Application Generated", "{0CCE9222-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4666, "Audit Application Generated", "{0CCE9222-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4667, "Audit Application Generated", "{0CCE9222-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4668, "Audit Application Generated", "{0CCE9222-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4670, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, "{0CCE921E-69AE-11D9-BED3-505054503030}", RF_SACL },
        { { 4671, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4672, "Audit Special Logon", "{0CCE921B-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4673, "Audit Sensitive Privilege Use", "{0CCE9228-69AE-11D9-BED3-505054503030}", "Privilege Use" }, "{0CCE9229-69AE-11D9-BED3-505054503030}", RF_FAILURE },
        { { 4674, "Audit Sensitive Privilege Use", "{0CCE9228-69AE-11D9-BED3-505054503030}", "Privilege Use" }, "{0CCE9229-69AE-11D9-BED3-505054503030}", RF_FAILURE },
        { { 4675, "Audit Logon", "{0CCE9215-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4688, "Audit Process Creation", "{0CCE922B-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4689, "Audit Process Termination", "{0CCE922C-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4690, "Audit Handle Manipulation", "{0CCE9223-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4691, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4692, "Audit DPAPI Activity", "{0CCE922D-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4693, "Audit DPAPI Activity", "{0CCE922D-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4694, "Audit DPAPI Activity", "{0CCE922D-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4695, "Audit DPAPI Activity", "{0CCE922D-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4696, "Audit Process Creation", "{0CCE922B-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 4697, "Audit Security System Extension", "{0CCE9211-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4698, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4699, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4700, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4701, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4702, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4703, "Audit Token Right Adjusted", "{0CCE924A-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, "{0CCE9231-69AE-11D9-BED3-505054503030}", 0 },
        { { 4704, "Audit Authorization Policy Change", "{0CCE9231-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4705, "Audit Authorization Policy Change", "{0CCE9231-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4706, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4707, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4709, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4710, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4711, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4712, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4713, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4714, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4715, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4716, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4717, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4718, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4719, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4720, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4722, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4723, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4724, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4725, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4726, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4727, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4728, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4729, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4730, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4731, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4732, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4733, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4734, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4735, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4737, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4738, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4739, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4740, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4741, "Audit Computer Account Management", "{0CCE9236-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4742, "Audit Computer Account Management", "{0CCE9236-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4743, "Audit Computer Account Management", "{0CCE9236-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4744, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4745, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4746, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4747, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4748, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4749, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4750, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4751, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4752, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4753, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4754, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4755, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4756, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4757, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4758, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4759, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4760, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4761, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4762, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4763, "Audit Distribution Group Management", "{0CCE9238-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4764, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4765, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4766, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4767, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4768, "Audit Kerberos Authentication Service", "{0CCE9242-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, RF_FAILURE },
        { { 4769, "Audit Kerberos Service Ticket Operations", "{0CCE9240-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, RF_FAILURE },
        { { 4770, "Audit Kerberos Service Ticket Operations", "{0CCE9240-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, 0 },
        { { 4771, "Audit Kerberos Authentication Service", "{0CCE9242-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, RF_FAILURE },
        { { 4772, "Audit Kerberos Authentication Service", "{0CCE9242-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, RF_FAILURE },
        { { 4773, "Audit Kerberos Service Ticket Operations", "{0CCE9240-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, 0 },
        { { 4774, "Audit Credential Validation", "{0CCE923F-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, 0 },
        { { 4775, "Audit Credential Validation", "{0CCE923F-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, 0 },
        { { 4776, "Audit Credential Validation", "{0CCE923F-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, RF_FAILURE },
        { { 4777, "Audit Credential Validation", "{0CCE923F-69AE-11D9-BED3-505054503030}", "Account Logon" }, NULL, RF_FAILURE },
        { { 4778, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4779, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4780, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4781, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4782, "Audit Other Account Management Events", "{0CCE923A-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4783, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4784, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4785, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4786, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4787, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4788, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4789, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4790, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4791, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4792, "Audit Application Group Management", "{0CCE9239-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4793, "Audit Other Account Management Events", "{0CCE923A-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4794, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4798, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4799, "Audit Security Group Management", "{0CCE9237-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 4800, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4801, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4802, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4803, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4816, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4817, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4818, "Audit Central Access Policy Staging", "{0CCE9246-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4819, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4826, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4864, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4865, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4866, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4867, "Audit Authentication Policy Change", "{0CCE9230-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4868, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4869, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4870, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4871, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4872, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4873, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4874, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4875, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4876, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4877, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4878, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4879, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4880, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4881, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4882, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4883, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4884, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4885, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4886, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4887, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4888, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4889, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4890, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4891, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4892, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4893, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4894, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4895, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4896, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4897, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4898, "Audit Certification Services", "{0CCE9221-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 4902, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4904, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4905, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4906, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4907, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4908, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4909, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4910, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4911, "Audit Authorization Policy Change", "{0CCE9231-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4912, "Audit Audit Policy Change", "{0CCE922F-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4913, "Audit Authorization Policy Change", "{0CCE9231-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4928, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4929, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4930, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4931, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4932, "Audit Directory Service Replication", "{0CCE923D-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4933, "Audit Directory Service Replication", "{0CCE923D-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4934, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4935, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4936, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4937, "Audit Detailed Directory Service Replication", "{0CCE923E-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 4944, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4945, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4946, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4947, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4948, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4949, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4950, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4951, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4952, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4953, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4954, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4956, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4957, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4958, "Audit MPSSVC Rule-Level Policy Change", "{0CCE9232-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 4960, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4961, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4962, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4963, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4964, "Audit Special Logon", "{0CCE921B-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4965, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 4976, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4977, "Audit IPsec Quick Mode", "{0CCE9219-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4978, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4979, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4980, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4981, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4982, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4983, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4984, "Audit IPsec Extended Mode", "{0CCE921A-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 4985, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5024, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5025, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5027, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5028, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5029, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5030, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5031, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5032, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5033, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5034, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5035, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5037, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5038, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5039, "Audit Registry", "{0CCE921E-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5040, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5041, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5042, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5043, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5044, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5045, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5046, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5047, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5048, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5049, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5051, "Audit File System", "{0CCE921D-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5056, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5057, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5058, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5059, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5060, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5061, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5062, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5063, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5064, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5065, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5066, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5067, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5068, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5069, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5070, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5136, "Audit Directory Service Changes", "{0CCE923C-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 5137, "Audit Directory Service Changes", "{0CCE923C-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 5138, "Audit Directory Service Changes", "{0CCE923C-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 5139, "Audit Directory Service Changes", "{0CCE923C-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 5140, "Audit File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5141, "Audit Directory Service Changes", "{0CCE923C-69AE-11D9-BED3-505054503030}", "DS Access" }, NULL, 0 },
        { { 5142, "Audit File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5143, "Audit File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5144, "Audit File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5145, "Audit Detailed File Share", "{0CCE9244-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5148, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5149, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5150, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5151, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5152, "Audit Filtering Platform Packet Drop", "{0CCE9225-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5153, "Audit Filtering Platform Packet Drop", "{0CCE9225-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5154, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5155, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5156, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5157, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5158, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5159, "Audit Filtering Platform Connection", "{0CCE9226-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, RF_FAILURE },
        { { 5168, "Audit File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5376, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 5377, "Audit User Account Management", "{0CCE9235-69AE-11D9-BED3-505054503030}", "Account Management" }, NULL, 0 },
        { { 5378, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5440, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5441, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5442, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5443, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5444, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5446, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5447, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5448, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5449, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5450, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5451, "Audit IPsec Quick Mode", "{0CCE9219-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5452, "Audit IPsec Quick Mode", "{0CCE9219-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5453, "Audit IPsec Main Mode", "{0CCE9218-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5456, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5457, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5458, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5459, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5460, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5461, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5462, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5463, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5464, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5465, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5466, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5467, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5468, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5471, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5472, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5473, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5474, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5477, "Audit Filtering Platform Policy Change", "{0CCE9233-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 5478, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5479, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5480, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5483, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5484, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5485, "Audit IPsec Driver", "{0CCE9213-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 5632, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5633, "Audit Other Logon/Logoff Events", "{0CCE921C-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 5712, "Audit RPC Events", "{0CCE922E-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 5888, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5889, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 5890, "Audit Other Object Access Events", "{0CCE9227-69AE-11D9-BED3-505054503030}", "Object Access" }, NULL, 0 },
        { { 6144, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 6145, "Audit Other Policy Change Events", "{0CCE9234-69AE-11D9-BED3-505054503030}", "Policy Change" }, NULL, 0 },
        { { 6272, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6273, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6274, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6275, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6276, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6277, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6278, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6279, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6280, "Audit Network Policy Server", "{0CCE9243-69AE-11D9-BED3-505054503030}", "Logon/Logoff" }, NULL, 0 },
        { { 6281, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6400, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6401, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6402, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6403, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6404, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6405, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6406, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6407, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6408, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6409, "Audit Other System Events", "{0CCE9214-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6410, "Audit System Integrity", "{0CCE9212-69AE-11D9-BED3-505054503030}", "System" }, NULL, 0 },
        { { 6416, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 6419, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 6420, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 6421, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 6422, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 6423, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
        { { 6424, "Audit PNP Activity", "{0CCE9248-69AE-11D9-BED3-505054503030}", "Detailed Tracking" }, NULL, 0 },
};

static const struct audit_entry *entry_for(uint16_t event_id)
{
        size_t lo = 0, hi = ELEMENTSOF(audit_table);

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint16_t id = audit_table[mid].a.event_id;

                if (id == event_id)
                        return &audit_table[mid];
                if (id < event_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

const struct remedy_audit *remedy_audit_for(uint16_t event_id)
{
        const struct audit_entry *e = entry_for(event_id);

        return e ? &e->a : NULL;
}

/* Operational channels that exist on a stock install but are turned off:
 * nothing arrives until `wevtutil sl <channel> /e:true`. */
static const char *const disabled_channels[] = {
        "Microsoft-Windows-TaskScheduler/Operational",
        "Microsoft-Windows-DNS-Client/Operational",
        "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
        "Microsoft-Windows-CAPI2/Operational",
};

static const char sysmon_channel[] = "Microsoft-Windows-Sysmon/Operational";

static int channel_disabled(const char *channel)
{
        for (size_t i = 0; i < ELEMENTSOF(disabled_channels); i++)
                if (strcasecmp(channel, disabled_channels[i]) == 0)
                        return 1;
        return 0;
}

/* Appends to buf like snprintf at buf + *off; *off never passes len - 1, so
 * the result is always terminated and a short buffer just truncates. */
__attribute__((format(printf, 4, 5)))
static void add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (*off + 1 >= len)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf + *off, len - *off, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        *off = (size_t)n >= len - *off ? len - 1 : *off + (size_t)n;
}

static void add_security(char *buf, size_t len, size_t *off, uint16_t event_id)
{
        const struct audit_entry *e = entry_for(event_id);
        const char *fail;

        if (!e) {
                add(buf, len, off, "no audit subcategory known for Security event %u; "
                    "forward it: NXLog im_msvistalog <Select Path=\"Security\">*</Select>",
                    (unsigned)event_id);
                return;
        }
        if (e->flags & RF_ALWAYS) {
                add(buf, len, off, "Security event %u is written by the event log service "
                    "whatever the audit policy; forward it: NXLog im_msvistalog "
                    "<Select Path=\"Security\">*</Select>", (unsigned)event_id);
                return;
        }
        fail = e->flags & RF_FAILURE ? " /failure:enable" : "";
        add(buf, len, off, "auditpol /set /subcategory:%s /success:enable%s", e->a.guid, fail);
        if (e->also)
                add(buf, len, off, "; auditpol /set /subcategory:%s /success:enable%s", e->also, fail);
        if (e->flags & RF_SACL)
                add(buf, len, off, "; also put a SACL (auditing entry) on the objects to watch");
}

char *remedy_for(const char *channel, uint16_t event_id, char *buf, size_t len)
{
        size_t off = 0;

        if (!buf || len == 0)
                return buf;
        buf[0] = '\0';
        if (!channel || !*channel)
                channel = "Security";
        if (strcasecmp(channel, "Security") == 0) {
                add_security(buf, len, &off, event_id);
        } else if (strcasecmp(channel, sysmon_channel) == 0) {
                add(buf, len, &off, "install Sysmon with a configuration that logs event %u; "
                    "forward %s", (unsigned)event_id, sysmon_channel);
        } else {
                if (channel_disabled(channel))
                        add(buf, len, &off, "wevtutil sl \"%s\" /e:true; ", channel);
                add(buf, len, &off, "forward it: NXLog im_msvistalog <Select Path=\"%s\">*</Select>",
                    channel);
        }
        return buf;
}

const char *remedy_cmdline_policy(void)
{
        return "Computer Configuration > Administrative Templates > System > Audit Process Creation > "
               "Include command line in process creation events = Enabled "
               "(HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\Audit\\"
               "ProcessCreationIncludeCmdLine_Enabled = 1)";
}
