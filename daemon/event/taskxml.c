/* Scheduled-task XML → derived Task* fields (taskxml.h).
 *
 * expat, one parser per thread reset for each task, fed the whole value in one final
 * XML_Parse() call (linear in its length, which the size cap bounds).  The
 * hardening: the encoding is forced to UTF-8 (it overrides the
 * declaration); a DOCTYPE or an entity declaration stops the parser at
 * once, so no DTD, no internal entity (billion laughs) and no external
 * entity is ever read; external entity references fail; parameter entity
 * parsing is off; expat's own amplification guard is tightened where the
 * library has it.  The start-element handler counts depth and stops the
 * parser past the cap, so 10,000 nested elements cost 64 of them.
 *
 * The handlers keep a stack of known element names (local names in the task
 * namespace or no namespace) and capture the text of a few paths below the
 * root Task element; see taskxml_paths[]. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include <openssl/evp.h>

#ifdef SPOOR_HAVE_XML_BILLION_LAUGHS
#ifndef XML_DTD
#define XML_DTD 1       /* the declarations of the (present) amplification API */
#endif
#endif
#include <expat.h>

#include "spoor/cleanup.h"
#include "spoor/metrics.h"
#include "spoor/taskxml.h"

#define TASKXML_NS "http://schemas.microsoft.com/windows/2004/02/mit/task"
#define TASKXML_NS_SEP '\x1f'

static const char *const taskxml_reject_names[_TASKXML_REJ_MAX] = {
        [TASKXML_REJ_TOO_LARGE] = "too_large",
        [TASKXML_REJ_TOO_DEEP] = "too_deep",
        [TASKXML_REJ_DTD] = "dtd",
        [TASKXML_REJ_BAD_ESCAPE] = "bad_escape",
        [TASKXML_REJ_NOT_WELL_FORMED] = "not_well_formed",
        [TASKXML_REJ_NOT_TASK] = "not_task",
        [TASKXML_REJ_MISSING] = "missing",
};

const char *taskxml_reject_name(enum taskxml_reject r)
{
        return r >= 0 && r < _TASKXML_REJ_MAX ? taskxml_reject_names[r] : "unknown";
}

/* Element names the paths use. */
enum taskxml_name {
        N_OTHER,                /* any other name, or a foreign namespace */
        N_TASK, N_REGISTRATION_INFO, N_AUTHOR,
        N_PRINCIPALS, N_PRINCIPAL, N_USER_ID, N_RUN_LEVEL, N_LOGON_TYPE,
        N_ACTIONS, N_EXEC, N_COMMAND, N_ARGUMENTS, N_COM_HANDLER, N_CLASS_ID,
        N_SEND_EMAIL, N_SHOW_MESSAGE,
        N_SETTINGS, N_HIDDEN, N_TRIGGERS,
        _N_MAX,
};

/* Element local names, with their lengths: expat reports every element of
 * a task (about fifty), and a length check rules out most names at once. */
#define TASKXML_NAME(s) { s, sizeof(s) - 1 }
static const struct {
        const char *s;
        size_t len;
} taskxml_names[_N_MAX] = {
        [N_TASK] = TASKXML_NAME("Task"), [N_REGISTRATION_INFO] = TASKXML_NAME("RegistrationInfo"),
        [N_AUTHOR] = TASKXML_NAME("Author"), [N_PRINCIPALS] = TASKXML_NAME("Principals"),
        [N_PRINCIPAL] = TASKXML_NAME("Principal"), [N_USER_ID] = TASKXML_NAME("UserId"),
        [N_RUN_LEVEL] = TASKXML_NAME("RunLevel"), [N_LOGON_TYPE] = TASKXML_NAME("LogonType"),
        [N_ACTIONS] = TASKXML_NAME("Actions"), [N_EXEC] = TASKXML_NAME("Exec"),
        [N_COMMAND] = TASKXML_NAME("Command"), [N_ARGUMENTS] = TASKXML_NAME("Arguments"),
        [N_COM_HANDLER] = TASKXML_NAME("ComHandler"), [N_CLASS_ID] = TASKXML_NAME("ClassId"),
        [N_SEND_EMAIL] = TASKXML_NAME("SendEmail"), [N_SHOW_MESSAGE] = TASKXML_NAME("ShowMessage"),
        [N_SETTINGS] = TASKXML_NAME("Settings"), [N_HIDDEN] = TASKXML_NAME("Hidden"),
        [N_TRIGGERS] = TASKXML_NAME("Triggers"),
};

/* Captured texts. */
enum taskxml_text {
        T_AUTHOR, T_USER_ID, T_RUN_LEVEL, T_LOGON_TYPE,
        T_COMMAND, T_ARGUMENTS, T_COM_HANDLER, T_HIDDEN,
        _T_MAX,
        _T_NONE = -1,
};

/* Which instance of the parent counts: the first Principal, Exec, ComHandler. */
enum taskxml_nth { NTH_ANY, NTH_PRINCIPAL, NTH_EXEC, NTH_COM };

/* Paths below the root Task (depth 2, 3, 4); the first occurrence wins. */
static const struct {
        enum taskxml_name path[3];
        enum taskxml_nth nth;
        enum taskxml_text text;
} taskxml_paths[] = {
        { { N_REGISTRATION_INFO, N_AUTHOR }, NTH_ANY, T_AUTHOR },
        { { N_PRINCIPALS, N_PRINCIPAL, N_USER_ID }, NTH_PRINCIPAL, T_USER_ID },
        { { N_PRINCIPALS, N_PRINCIPAL, N_RUN_LEVEL }, NTH_PRINCIPAL, T_RUN_LEVEL },
        { { N_PRINCIPALS, N_PRINCIPAL, N_LOGON_TYPE }, NTH_PRINCIPAL, T_LOGON_TYPE },
        { { N_ACTIONS, N_EXEC, N_COMMAND }, NTH_EXEC, T_COMMAND },
        { { N_ACTIONS, N_EXEC, N_ARGUMENTS }, NTH_EXEC, T_ARGUMENTS },
        { { N_ACTIONS, N_COM_HANDLER, N_CLASS_ID }, NTH_COM, T_COM_HANDLER },
        { { N_SETTINGS, N_HIDDEN }, NTH_ANY, T_HIDDEN },
};

struct taskxml_buf {
        char *s;
        size_t len, cap;
        bool set;
};

struct taskxml_state {
        XML_Parser p;
        unsigned max_depth;
        unsigned depth;
        unsigned char *stack;           /* [max_depth + 1]: enum taskxml_name per depth */
        struct taskxml_buf text[_T_MAX];
        struct taskxml_buf triggers;
        unsigned nth[4];                /* per enum taskxml_nth: instances seen */
        unsigned actions;
        enum taskxml_text capture;      /* the text being read, or _T_NONE */
        unsigned capture_depth;
        size_t text_max;                /* no text can be longer than the document */
        enum taskxml_reject error;
        bool nomem;
};

static void taskxml_stop(struct taskxml_state *st, enum taskxml_reject r)
{
        if (st->error == _TASKXML_REJ_INVALID && !st->nomem)
                st->error = r;
        XML_StopParser(st->p, XML_FALSE);
}

static int taskxml_buf_add(struct taskxml_state *st, struct taskxml_buf *b, const char *s, size_t n)
{
        if (b->len + n > st->text_max) {
                /* cannot happen (text is never longer than its document): refuse anyway */
                taskxml_stop(st, TASKXML_REJ_TOO_LARGE);
                return -E2BIG;
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *ns = realloc(b->s, cap);
                if (!ns) {
                        st->nomem = true;
                        XML_StopParser(st->p, XML_FALSE);
                        return -ENOMEM;
                }
                b->s = ns;
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
        return 0;
}

/* "uri\x1flocal" or "local" → the local name; NULL for a foreign namespace. */
static const char *taskxml_local(const XML_Char *name)
{
        const char *sep = strchr(name, TASKXML_NS_SEP);

        if (!sep)
                return name;
        if ((size_t)(sep - name) != sizeof(TASKXML_NS) - 1 || memcmp(name, TASKXML_NS, sizeof(TASKXML_NS) - 1) != 0)
                return NULL;
        return sep + 1;
}

static enum taskxml_name taskxml_name_of(const char *local)
{
        if (!local)
                return N_OTHER;
        size_t len = strlen(local);
        for (int i = 1; i < _N_MAX; i++)
                if (taskxml_names[i].len == len && memcmp(taskxml_names[i].s, local, len) == 0)
                        return i;
        return N_OTHER;
}

static void XMLCALL taskxml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
        struct taskxml_state *st = ud;
        const char *local = taskxml_local(name);
        enum taskxml_name n = taskxml_name_of(local);

        if (st->depth >= st->max_depth) {
                taskxml_stop(st, TASKXML_REJ_TOO_DEEP);
                return;
        }
        st->depth++;
        st->stack[st->depth] = (unsigned char)n;
        if (st->depth == 1) {
                if (n != N_TASK)
                        taskxml_stop(st, TASKXML_REJ_NOT_TASK);
                return;
        }
        if (st->depth == 3) {
                switch (st->stack[2]) {
                case N_TRIGGERS:
                        if (local && ((st->triggers.len && taskxml_buf_add(st, &st->triggers, ",", 1) < 0) ||
                                      taskxml_buf_add(st, &st->triggers, local, strlen(local)) < 0))
                                return;
                        break;
                case N_ACTIONS:
                        if (n == N_EXEC || n == N_COM_HANDLER || n == N_SEND_EMAIL || n == N_SHOW_MESSAGE)
                                st->actions++;
                        if (n == N_EXEC)
                                st->nth[NTH_EXEC]++;
                        else if (n == N_COM_HANDLER)
                                st->nth[NTH_COM]++;
                        break;
                case N_PRINCIPALS:
                        if (n == N_PRINCIPAL)
                                st->nth[NTH_PRINCIPAL]++;
                        break;
                default:
                        break;
                }
        }
        if (st->capture != _T_NONE || st->depth > 4)
                return;
        for (size_t i = 0; i < ELEMENTSOF(taskxml_paths); i++) {
                const enum taskxml_name *path = taskxml_paths[i].path;
                unsigned plen = path[2] ? 3 : 2;

                if (plen + 1 != st->depth || path[plen - 1] != n)
                        continue;
                bool match = true;
                for (unsigned k = 0; k + 1 < plen; k++)
                        match = match && st->stack[k + 2] == path[k];
                enum taskxml_nth nth = taskxml_paths[i].nth;
                if (!match || (nth != NTH_ANY && st->nth[nth] != 1) || st->text[taskxml_paths[i].text].set)
                        continue;
                st->capture = taskxml_paths[i].text;
                st->capture_depth = st->depth;
                st->text[st->capture].set = true;
                break;
        }
}

static void XMLCALL taskxml_end(void *ud, const XML_Char *name)
{
        struct taskxml_state *st = ud;

        if (st->capture != _T_NONE && st->depth == st->capture_depth)
                st->capture = _T_NONE;
        if (st->depth)
                st->depth--;
}

static void XMLCALL taskxml_chars(void *ud, const XML_Char *s, int len)
{
        struct taskxml_state *st = ud;

        if (st->capture != _T_NONE && st->depth == st->capture_depth && len > 0)
                taskxml_buf_add(st, &st->text[st->capture], s, (size_t)len);
}

static void XMLCALL taskxml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                   const XML_Char *pubid, int has_internal_subset)
{
        taskxml_stop(ud, TASKXML_REJ_DTD);
}

static void XMLCALL taskxml_entity_decl(void *ud, const XML_Char *name, int is_param,
                                        const XML_Char *value, int value_len, const XML_Char *base,
                                        const XML_Char *sysid, const XML_Char *pubid,
                                        const XML_Char *notation)
{
        taskxml_stop(ud, TASKXML_REJ_DTD);
}

static int XMLCALL taskxml_external_entity(XML_Parser p, const XML_Char *context, const XML_Char *base,
                                           const XML_Char *sysid, const XML_Char *pubid)
{
        return XML_STATUS_ERROR;
}

static bool taskxml_is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Take a captured text out of the state, trimmed; NULL when never seen. */
static char *taskxml_take(struct taskxml_buf *b, bool *nomem)
{
        if (!b->set)
                return NULL;
        size_t start = 0, end = b->len;
        while (start < end && taskxml_is_space(b->s[start]))
                start++;
        while (end > start && taskxml_is_space(b->s[end - 1]))
                end--;
        char *s = strndup(b->s ? b->s + start : "", end - start);
        if (!s)
                *nomem = true;
        return s;
}

/* The XML character a numeric reference names, validated; -1 when bad. */
static long taskxml_char_ref(const char *s, size_t n)
{
        long v = 0;
        int base = 10;
        size_t i = 0;

        if (n > 0 && (s[0] == 'x')) {
                base = 16;
                i = 1;
        }
        if (i == n || n - i > 8)
                return -1;
        for (; i < n; i++) {
                int c = (unsigned char)s[i], d;
                if (c >= '0' && c <= '9')
                        d = c - '0';
                else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        d = (c | 0x20) - 'a' + 10;
                else
                        return -1;
                v = v * base + d;
        }
        if (v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v <= 0xd7ff) ||
            (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff))
                return v;
        return -1;
}

static size_t taskxml_utf8(long v, char *out)
{
        if (v < 0x80) {
                out[0] = (char)v;
                return 1;
        }
        if (v < 0x800) {
                out[0] = (char)(0xc0 | (v >> 6));
                out[1] = (char)(0x80 | (v & 0x3f));
                return 2;
        }
        if (v < 0x10000) {
                out[0] = (char)(0xe0 | (v >> 12));
                out[1] = (char)(0x80 | ((v >> 6) & 0x3f));
                out[2] = (char)(0x80 | (v & 0x3f));
                return 3;
        }
        out[0] = (char)(0xf0 | (v >> 18));
        out[1] = (char)(0x80 | ((v >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((v >> 6) & 0x3f));
        out[3] = (char)(0x80 | (v & 0x3f));
        return 4;
}

/* Unescape [s, s+n) once into out (at least n bytes: every reference is
 * longer than what it stands for).  A '&' that starts no known reference
 * is kept (the XML parser judges it).  The output length, or -EINVAL for a
 * numeric reference to a character XML does not allow. */
static ssize_t taskxml_unescape(const char *s, size_t n, char *out)
{
        static const struct {
                const char *name;
                size_t len;
                char c;
        } ents[] = { { "lt", 2, '<' }, { "gt", 2, '>' }, { "amp", 3, '&' }, { "quot", 4, '"' }, { "apos", 4, '\'' } };
        size_t o = 0;

        for (size_t i = 0; i < n;) {
                const char *amp = memchr(s + i, '&', n - i);
                size_t run = amp ? (size_t)(amp - (s + i)) : n - i;

                memcpy(out + o, s + i, run);
                o += run;
                i += run;
                if (!amp)
                        break;
                /* the longest reference: "&#x10FFFF;" or "&#1114111;" (10 bytes) */
                const char *semi = memchr(s + i + 1, ';', n - i - 1 < 10 ? n - i - 1 : 10);
                bool done = false;
                if (semi) {
                        const char *name = s + i + 1;
                        size_t nl = (size_t)(semi - name);
                        if (nl > 1 && name[0] == '#') {
                                long v = taskxml_char_ref(name + 1, nl - 1);
                                if (v < 0)
                                        return -EINVAL;
                                o += taskxml_utf8(v, out + o);
                                done = true;
                        } else {
                                for (size_t k = 0; k < ELEMENTSOF(ents) && !done; k++)
                                        if (ents[k].len == nl && memcmp(ents[k].name, name, nl) == 0) {
                                                out[o++] = ents[k].c;
                                                done = true;
                                        }
                        }
                }
                if (done) {
                        i = (size_t)(semi - s) + 1;
                } else {
                        out[o++] = '&';
                        i++;
                }
        }
        return (ssize_t)o;
}

static bool taskxml_is_escaped(const char *s, size_t n)
{
        size_t i = 0;

        while (i < n && taskxml_is_space(s[i]))
                i++;
        return n - i >= 4 && memcmp(s + i, "&lt;", 4) == 0;
}

__attribute__((format(printf, 3, 4)))
static int taskxml_fail(struct taskxml *t, enum taskxml_reject r, const char *fmt, ...)
{
        va_list ap;

        t->error = r;
        va_start(ap, fmt);
        vsnprintf(t->error_text, sizeof(t->error_text), fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static const char *const taskxml_reject_texts[_TASKXML_REJ_MAX] = {
        [TASKXML_REJ_TOO_LARGE] = "too large",
        [TASKXML_REJ_TOO_DEEP] = "too deep",
        [TASKXML_REJ_DTD] = "DTD not allowed",
        [TASKXML_REJ_BAD_ESCAPE] = "bad escape",
        [TASKXML_REJ_NOT_WELL_FORMED] = "not well-formed",
        [TASKXML_REJ_NOT_TASK] = "not a task",
        [TASKXML_REJ_MISSING] = "no task XML",
};

/* Each thread keeps its parser between tasks: XML_ParserReset() keeps the
 * buffers and string pools a parse grew, which creating and freeing a
 * parser per task allocated and released again (a fifth of expat's cost
 * on a 2 KB task).  Only after documents of at most TASKXML_KEEP_BYTES, so
 * one huge task does not pin its pools; a pthread key frees a thread's
 * parser when the thread ends. */
#define TASKXML_KEEP_BYTES (64 * 1024)

static pthread_key_t taskxml_key;
static pthread_once_t taskxml_key_once = PTHREAD_ONCE_INIT;
static bool taskxml_key_ok;

static void taskxml_key_free(void *p)
{
        XML_ParserFree(p);
}

static void taskxml_key_init(void)
{
        taskxml_key_ok = pthread_key_create(&taskxml_key, taskxml_key_free) == 0;
}

/* expat salts its hash tables from getrandom(2) at the start of every
 * document unless it is given a salt: two system calls per task.  Each
 * thread draws one salt once and steps it per document (an LCG: the salt
 * stays secret, which is all the hash-flooding defence asks); 0 when the
 * draw failed, and expat draws its own. */
static void taskxml_salt(XML_Parser p)
{
        static _Thread_local unsigned long salt;
        static _Thread_local bool drawn;

        if (!drawn) {
                drawn = true;
                if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) != (ssize_t)sizeof(salt))
                        salt = 0;
        } else if (salt) {
                salt = salt * 6364136223846793005UL + 1442695040888963407UL;
        }
        if (salt)
                XML_SetHashSalt(p, salt);
}

/* A parser for one document: the thread's kept one, reset, or a new one. */
static XML_Parser taskxml_parser_get(void)
{
        XML_Parser p;

        pthread_once(&taskxml_key_once, taskxml_key_init);
        if (taskxml_key_ok && (p = pthread_getspecific(taskxml_key))) {
                pthread_setspecific(taskxml_key, NULL);
                if (XML_ParserReset(p, "UTF-8")) {
                        taskxml_salt(p);
                        return p;
                }
                XML_ParserFree(p);
        }
        p = XML_ParserCreateNS("UTF-8", TASKXML_NS_SEP);
        if (p)
                taskxml_salt(p);
        return p;
}

/* Done with p after a document of len bytes: kept for the next, or freed. */
static void taskxml_parser_put(XML_Parser p, size_t len)
{
        if (taskxml_key_ok && len <= TASKXML_KEEP_BYTES && !pthread_getspecific(taskxml_key) &&
            pthread_setspecific(taskxml_key, p) == 0)
                return;
        XML_ParserFree(p);
}

/* Run expat over xml[0..len) with the state's handlers. */
static int taskxml_run(struct taskxml_state *st, const char *xml, size_t len, struct taskxml *t)
{
        XML_Parser p = taskxml_parser_get();
        int r = 0;

        if (!p)
                return -ENOMEM;
        st->p = p;
        XML_SetUserData(p, st);
        XML_SetElementHandler(p, taskxml_start, taskxml_end);
        XML_SetCharacterDataHandler(p, taskxml_chars);
        XML_SetStartDoctypeDeclHandler(p, taskxml_doctype);
        XML_SetEntityDeclHandler(p, taskxml_entity_decl);
        XML_SetExternalEntityRefHandler(p, taskxml_external_entity);
        XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef SPOOR_HAVE_XML_BILLION_LAUGHS
        /* unreachable with the DOCTYPE refused: belt and braces */
        XML_SetBillionLaughsAttackProtectionMaximumAmplification(p, 2.0f);
        XML_SetBillionLaughsAttackProtectionActivationThreshold(p, 1024 * 1024);
#endif
#ifdef SPOOR_HAVE_XML_REPARSE_DEFERRAL
        /* one final XML_Parse() call: deferring big tokens buys nothing */
        XML_SetReparseDeferralEnabled(p, XML_FALSE);
#endif
        enum XML_Status s = XML_Parse(p, xml, (int)len, XML_TRUE);
        XML_Index at = XML_GetCurrentByteIndex(p);
        t->parsed_bytes = at < 0 ? len : (size_t)at;
        if (st->nomem) {
                r = -ENOMEM;
        } else if (st->error != _TASKXML_REJ_INVALID) {
                r = taskxml_fail(t, st->error, "%s", taskxml_reject_texts[st->error]);
        } else if (s != XML_STATUS_OK) {
                enum XML_Error e = XML_GetErrorCode(p);
                if (e == XML_ERROR_NO_MEMORY)
                        r = -ENOMEM;
                else
                        r = taskxml_fail(t, TASKXML_REJ_NOT_WELL_FORMED, "not well-formed (line %lu: %s)",
                                         (unsigned long)XML_GetCurrentLineNumber(p), XML_ErrorString(e));
        } else if (st->depth != 0 || st->stack[1] != N_TASK) {
                r = taskxml_fail(t, TASKXML_REJ_NOT_TASK, "%s", taskxml_reject_texts[TASKXML_REJ_NOT_TASK]);
        }
        taskxml_parser_put(p, len);
        return r;
}

int taskxml_parse(const char *value, size_t len, const struct taskxml_limits *lim, struct taskxml *t)
{
        size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : TASKXML_DEFAULT_MAX_BYTES;
        unsigned max_depth = lim && lim->max_depth ? lim->max_depth : TASKXML_DEFAULT_MAX_DEPTH;
        _cleanup_free_ char *unescaped = NULL;
        _cleanup_free_ unsigned char *stack = NULL;
        const char *xml = value;
        int r;

        *t = (struct taskxml){ .error = _TASKXML_REJ_INVALID };
        if (max_bytes > INT32_MAX)
                max_bytes = INT32_MAX;          /* XML_Parse takes an int */
        if (max_depth > 4096)
                max_depth = 4096;
        if (len == 0)
                return taskxml_fail(t, TASKXML_REJ_MISSING, "%s", taskxml_reject_texts[TASKXML_REJ_MISSING]);
        if (len > max_bytes)
                return taskxml_fail(t, TASKXML_REJ_TOO_LARGE, "%s", taskxml_reject_texts[TASKXML_REJ_TOO_LARGE]);

        if (taskxml_is_escaped(value, len)) {
                unescaped = malloc(len);
                if (!unescaped)
                        return -ENOMEM;
                ssize_t n = taskxml_unescape(value, len, unescaped);
                if (n < 0)
                        return taskxml_fail(t, TASKXML_REJ_BAD_ESCAPE, "%s",
                                            taskxml_reject_texts[TASKXML_REJ_BAD_ESCAPE]);
                xml = unescaped;
                len = (size_t)n;
                t->escaped = true;
        }

        stack = calloc((size_t)max_depth + 1, 1);
        if (!stack)
                return -ENOMEM;
        struct taskxml_state st = {
                .max_depth = max_depth,
                .stack = stack,
                .capture = _T_NONE,
                .text_max = len,
                .error = _TASKXML_REJ_INVALID,
        };
        r = taskxml_run(&st, xml, len, t);

        bool nomem = false;
        if (r == 0) {
                char **out[_T_MAX] = {
                        [T_AUTHOR] = &t->author, [T_USER_ID] = &t->user_id,
                        [T_RUN_LEVEL] = &t->run_level, [T_LOGON_TYPE] = &t->logon_type,
                        [T_COMMAND] = &t->command, [T_ARGUMENTS] = &t->arguments,
                        [T_COM_HANDLER] = &t->com_handler,
                };
                _cleanup_free_ char *hidden = taskxml_take(&st.text[T_HIDDEN], &nomem);
                for (int i = 0; i < _T_MAX; i++)
                        if (out[i])
                                *out[i] = taskxml_take(&st.text[i], &nomem);
                t->hidden = hidden && (strcmp(hidden, "true") == 0 || strcmp(hidden, "1") == 0);
                t->triggers = strndup(st.triggers.s ? st.triggers.s : "", st.triggers.len);
                nomem = nomem || !t->triggers;
                t->actions = st.actions;
        }
        for (int i = 0; i < _T_MAX; i++)
                free(st.text[i].s);
        free(st.triggers.s);
        if (nomem)
                r = -ENOMEM;
        return r;
}

void taskxml_release(struct taskxml *t)
{
        free(t->author);
        free(t->user_id);
        free(t->run_level);
        free(t->logon_type);
        free(t->command);
        free(t->arguments);
        free(t->com_handler);
        free(t->triggers);
        t->author = t->user_id = t->run_level = t->logon_type = NULL;
        t->command = t->arguments = t->com_handler = t->triggers = NULL;
}

static void taskxml_lower_into(char *dst, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                dst[i] = c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
        }
}

int taskxml_fingerprint(const char *action, const char *user_id, char out[17])
{
        size_t an = action ? strlen(action) : 0, un = user_id ? strlen(user_id) : 0;
        _cleanup_free_ char *buf = malloc(an + 1 + un);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;

        if (!buf)
                return -ENOMEM;
        taskxml_lower_into(buf, action ? action : "", an);
        buf[an] = '\x1f';
        taskxml_lower_into(buf + an + 1, user_id ? user_id : "", un);
        if (!EVP_Digest(buf, an + 1 + un, md, &mdlen, EVP_sha256(), NULL) || mdlen < 8)
                return -ENOMEM;
        for (int i = 0; i < 8; i++)
                snprintf(out + 2 * i, 3, "%02x", md[i]);
        return 0;
}

static int taskxml_set(struct winevent *ev, const char *name, const char *value)
{
        if (!value)
                return 0;
        return winevent_set_field(ev, name, strlen(name), value, strlen(value));
}

/* The derived fields of a parsed task. */
static int taskxml_set_fields(struct winevent *ev, const struct taskxml *t)
{
        _cleanup_free_ char *cmdline = NULL;
        char num[16], fp[17];
        int r;

        if (t->command) {
                if (t->arguments && t->arguments[0]) {
                        if (asprintf(&cmdline, "%s %s", t->command, t->arguments) < 0) {
                                cmdline = NULL;
                                return -ENOMEM;
                        }
                } else if (!(cmdline = strdup(t->command))) {
                        return -ENOMEM;
                }
        }
        snprintf(num, sizeof(num), "%u", t->actions);
        if ((r = taskxml_set(ev, "TaskAuthor", t->author)) < 0 ||
            (r = taskxml_set(ev, "TaskPrincipalUserId", t->user_id)) < 0 ||
            (r = taskxml_set(ev, "TaskRunLevel", t->run_level)) < 0 ||
            (r = taskxml_set(ev, "TaskLogonType", t->logon_type)) < 0 ||
            (r = taskxml_set(ev, "TaskCommand", t->command)) < 0 ||
            (r = taskxml_set(ev, "TaskArguments", t->arguments)) < 0 ||
            (r = taskxml_set(ev, "TaskCommandLine", cmdline)) < 0 ||
            (r = taskxml_set(ev, "TaskComHandler", t->com_handler)) < 0 ||
            (r = taskxml_set(ev, "TaskHidden", t->hidden ? "true" : "false")) < 0 ||
            (r = taskxml_set(ev, "TaskTriggers", t->triggers)) < 0 ||
            (r = taskxml_set(ev, "TaskActions", num)) < 0)
                return r;
        const char *action = cmdline ? cmdline : t->com_handler;
        if (!action)
                return 0;
        if ((r = taskxml_fingerprint(action, t->user_id, fp)) < 0)
                return r;
        return taskxml_set(ev, "TaskFingerprint", fp);
}

int taskxml_enrich(struct winevent *ev, const struct taskxml_limits *lim)
{
        struct taskxml t;
        int r;

        if (ev->event_id != 4698 && ev->event_id != 4702)
                return 0;
        const struct winevent_field *f = ev->event_id == 4702 ? winevent_get(ev, "TaskContentNew") : NULL;
        if (!f)
                f = winevent_get(ev, "TaskContent");

        r = taskxml_parse(f ? f->value : "", f ? f->len : 0, lim, &t);
        if (r == 0)
                r = taskxml_set_fields(ev, &t);
        else if (r == -EINVAL) {
                if (t.error >= 0 && t.error < _TASKXML_REJ_MAX)
                        metrics.task_xml_rejected[t.error]++;
                r = taskxml_set(ev, "TaskParseError", t.error_text);
        }
        taskxml_release(&t);
        return r;
}
