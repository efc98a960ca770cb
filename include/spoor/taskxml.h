/* Scheduled-task XML (Security 4698 TaskContent, 4702 TaskContentNew) →
 * derived Task* fields on the event.  Parsed with expat, hardened: no DTD
 * (any DOCTYPE ends the parse), no entity declarations, no external
 * entities, no parameter entities, a size cap and a depth cap.  The event
 * is never rejected for its task XML: a task that breaks a cap or does not
 * parse gets TaskParseError instead of the derived fields, and is counted
 * in spoor_task_xml_rejected_total{reason}.
 *
 * Derived fields (names for rules and the README):
 *   TaskAuthor           RegistrationInfo/Author
 *   TaskPrincipalUserId  Principals/Principal/UserId
 *   TaskRunLevel         Principals/Principal/RunLevel (LeastPrivilege | HighestAvailable)
 *   TaskLogonType        Principals/Principal/LogonType (InteractiveToken, Password, S4U ...)
 *   TaskCommand          Actions/Exec/Command of the first Exec
 *   TaskArguments        Actions/Exec/Arguments of the first Exec
 *   TaskCommandLine      TaskCommand + " " + TaskArguments, or TaskCommand alone when
 *                        there are no (or empty) arguments
 *   TaskComHandler       Actions/ComHandler/ClassId of the first ComHandler
 *   TaskHidden           "true" / "false" from Settings/Hidden ("true" or "1"); "false" when absent
 *   TaskTriggers         element names under Triggers in document order, comma-separated
 *                        ("LogonTrigger,TimeTrigger"); "" when there are none
 *   TaskActions          number of Exec + ComHandler + SendEmail + ShowMessage actions, decimal
 *   TaskFingerprint      16 lower-case hex digits: the first 8 bytes of SHA-256 over
 *                        lower(action) 0x1f lower(TaskPrincipalUserId), where action is
 *                        TaskCommandLine, or TaskComHandler for a task without Exec; the
 *                        same task gets the same fingerprint on every host.  Absent when
 *                        the task has neither.
 *   TaskParseError       why the task XML was not used: "too large", "too deep",
 *                        "DTD not allowed", "bad escape", "not a task",
 *                        "no task XML", "not well-formed (line N: expat's message)"
 * A field whose element is absent is not set (a rule on it cannot evaluate),
 * except TaskHidden, TaskTriggers and TaskActions, which always are.  Text is
 * trimmed of XML whitespace.  Elements are matched by local name in the task
 * namespace (http://schemas.microsoft.com/windows/2004/02/mit/task) or in
 * no namespace; elements of other namespaces are ignored.
 *
 * Encoding: the bytes are UTF-8 whatever the XML declaration says
 * (Windows renders encoding="UTF-16"; the JSON carries UTF-8).
 * Entity-escaped content (NXLog pipelines deliver "&lt;?xml ..."): a value
 * that starts, after whitespace, with "&lt;" is unescaped once (the five
 * predefined entities and numeric character references) before parsing. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "spoor/winevent.h"

#define TASKXML_DEFAULT_MAX_BYTES (64 * 1024)   /* bytes of the value as received */
#define TASKXML_DEFAULT_MAX_DEPTH 64            /* element nesting, the root is 1 */

enum taskxml_reject {
        TASKXML_REJ_TOO_LARGE,          /* value longer than max_bytes: not parsed at all */
        TASKXML_REJ_TOO_DEEP,           /* element nesting beyond max_depth */
        TASKXML_REJ_DTD,                /* a DOCTYPE or entity declaration */
        TASKXML_REJ_BAD_ESCAPE,         /* escaped content with an invalid character reference */
        TASKXML_REJ_NOT_WELL_FORMED,    /* expat's error (undefined entity, bad token ...) */
        TASKXML_REJ_NOT_TASK,           /* the root element is not Task */
        TASKXML_REJ_MISSING,            /* 4698/4702 without (or with empty) task content */
        _TASKXML_REJ_MAX,
        _TASKXML_REJ_INVALID = -1,
};

/* Metric label: "too_large", "too_deep", "dtd", "bad_escape", "not_well_formed",
 * "not_task", "missing"; "unknown" out of range. */
const char *taskxml_reject_name(enum taskxml_reject r);

struct taskxml_limits {
        size_t max_bytes;       /* 0: TASKXML_DEFAULT_MAX_BYTES */
        unsigned max_depth;     /* 0: TASKXML_DEFAULT_MAX_DEPTH */
};

/* What one parse found.  Strings are malloc'ed, NUL-terminated, NULL when
 * the element was absent; release with taskxml_release(). */
struct taskxml {
        char *author, *user_id, *run_level, *logon_type;
        char *command, *arguments, *com_handler;
        char *triggers;                 /* never NULL after a successful parse */
        bool hidden;
        unsigned actions;
        bool escaped;                   /* the value was entity-escaped */

        enum taskxml_reject error;      /* _TASKXML_REJ_INVALID when parsed */
        char error_text[80];            /* TaskParseError's value */
        size_t parsed_bytes;            /* bytes of XML expat consumed before the parse
                                         * ended: how early a hostile document stopped */
};

/* Parse the task XML value [value, value+len) (not NUL-terminated; raw or
 * entity-escaped).  0 when parsed; -EINVAL with t->error / t->error_text
 * set when the content breaks a cap or does not parse; -ENOMEM.  `lim` may
 * be NULL (defaults).  Never logs.  Always call taskxml_release(). */
int taskxml_parse(const char *value, size_t len, const struct taskxml_limits *lim, struct taskxml *t);
void taskxml_release(struct taskxml *t);

/* TaskFingerprint of an action and a principal (either may be NULL, as
 * ""): 16 lower-case hex digits and a NUL into out.  0 or -ENOMEM. */
int taskxml_fingerprint(const char *action, const char *user_id, char out[17]);

/* For Security 4698 / 4702 events: parse TaskContentNew (4702) or
 * TaskContent and add the derived fields, or TaskParseError (counted in
 * metrics.task_xml_rejected).  Other events are left alone.  0, or -ENOMEM
 * (never an error for bad XML). */
int taskxml_enrich(struct winevent *ev, const struct taskxml_limits *lim);
