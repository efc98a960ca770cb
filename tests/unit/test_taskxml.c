/* taskxml.c: scheduled-task XML → derived Task* fields.
 *
 * The project's own task fixtures (shaped after real 4698 events, not
 * copied), the escaped form against the raw one, the UTF-16 declaration,
 * hostile documents (each rejected with its reason and stopped early:
 * checked by the bytes expat consumed, not by wall time), the fingerprint,
 * and the hook in decode.c (a 4698 through decode_event()). */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoor/cleanup.h"
#include "spoor/decode.h"
#include "spoor/metrics.h"
#include "spoor/taskxml.h"
#include "unit.h"

/* A hidden SYSTEM task, as Windows renders it (UTF-16 declared, CRLF). */
static const char task_system[] =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n"
        "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\r\n"
        "  <RegistrationInfo>\r\n"
        "    <Date>2023-04-01T10:11:12</Date>\r\n"
        "    <Author>CONTOSO\\bob</Author>\r\n"
        "    <URI>\\Updater</URI>\r\n"
        "  </RegistrationInfo>\r\n"
        "  <Triggers>\r\n"
        "    <LogonTrigger>\r\n      <Enabled>true</Enabled>\r\n    </LogonTrigger>\r\n"
        "    <TimeTrigger>\r\n      <StartBoundary>2023-04-01T10:12:00</StartBoundary>\r\n    </TimeTrigger>\r\n"
        "  </Triggers>\r\n"
        "  <Principals>\r\n"
        "    <Principal id=\"LocalSystem\">\r\n"
        "      <UserId>S-1-5-18</UserId>\r\n"
        "      <RunLevel>HighestAvailable</RunLevel>\r\n"
        "      <LogonType>ServiceAccount</LogonType>\r\n"
        "    </Principal>\r\n"
        "  </Principals>\r\n"
        "  <Settings>\r\n    <Enabled>true</Enabled>\r\n    <Hidden>true</Hidden>\r\n  </Settings>\r\n"
        "  <Actions Context=\"LocalSystem\">\r\n"
        "    <Exec>\r\n"
        "      <Command>C:\\Windows\\System32\\cmd.exe</Command>\r\n"
        "      <Arguments>/c net user &gt; %TEMP%\\u.txt 2&gt;&amp;1</Arguments>\r\n"
        "    </Exec>\r\n"
        "    <Exec><Command>second.exe</Command><Arguments>ignored</Arguments></Exec>\r\n"
        "  </Actions>\r\n"
        "</Task>";

/* A user task with a COM handler, no namespace prefix games. */
static const char task_com[] =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
        "<Task version=\"1.3\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">"
        "<Principals><Principal id=\"Author\"><GroupId>S-1-5-32-545</GroupId>"
        "<RunLevel>LeastPrivilege</RunLevel></Principal></Principals>"
        "<Settings><Hidden>false</Hidden></Settings>"
        "<Actions Context=\"Author\"><ComHandler><ClassId>  {A6BA00FE-40E8-477C-B713-C64A14F28B1C}\n</ClassId>"
        "<Data><![CDATA[x]]></Data></ComHandler><SendEmail/></Actions>"
        "</Task>";

static struct taskxml t;

static void setup(void)
{
        memset(&t, 0, sizeof(t));
}

static void teardown(void)
{
        taskxml_release(&t);
}

static int parse(const char *s)
{
        return taskxml_parse(s, strlen(s), NULL, &t);
}

/* Escape & < > " as NXLog pipelines leave it ("&lt;?xml ..."). */
static char *escape(const char *s)
{
        char *o = malloc(strlen(s) * 6 + 1), *p = o;

        ck_assert_ptr_nonnull(o);
        for (; *s; s++) {
                const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
                                *s == '"' ? "&quot;" : NULL;
                if (e)
                        p = stpcpy(p, e);
                else
                        *p++ = *s;
        }
        *p = '\0';
        return o;
}

START_TEST(test_exec_system)
{
        ck_assert_int_eq(parse(task_system), 0);
        ck_assert_str_eq(t.author, "CONTOSO\\bob");
        ck_assert_str_eq(t.user_id, "S-1-5-18");
        ck_assert_str_eq(t.run_level, "HighestAvailable");
        ck_assert_str_eq(t.logon_type, "ServiceAccount");
        ck_assert_str_eq(t.command, "C:\\Windows\\System32\\cmd.exe");
        ck_assert_str_eq(t.arguments, "/c net user > %TEMP%\\u.txt 2>&1");
        ck_assert_ptr_null(t.com_handler);
        ck_assert(t.hidden);
        ck_assert_str_eq(t.triggers, "LogonTrigger,TimeTrigger");
        ck_assert_uint_eq(t.actions, 2);
        ck_assert(!t.escaped);
        ck_assert_int_eq(t.error, _TASKXML_REJ_INVALID);
}
END_TEST

START_TEST(test_com_handler)
{
        ck_assert_int_eq(parse(task_com), 0);
        ck_assert_str_eq(t.com_handler, "{A6BA00FE-40E8-477C-B713-C64A14F28B1C}");
        ck_assert_ptr_null(t.command);
        ck_assert_ptr_null(t.user_id);
        ck_assert_ptr_null(t.author);
        ck_assert_str_eq(t.run_level, "LeastPrivilege");
        ck_assert(!t.hidden);
        ck_assert_str_eq(t.triggers, "");
        ck_assert_uint_eq(t.actions, 2);
}
END_TEST

/* No namespace, a prefixed task namespace, and a foreign namespace that is ignored. */
START_TEST(test_namespaces)
{
        ck_assert_int_eq(parse("<Task><Actions><Exec><Command>a.exe</Command></Exec></Actions></Task>"), 0);
        ck_assert_str_eq(t.command, "a.exe");
        taskxml_release(&t);
        ck_assert_int_eq(parse("<t:Task xmlns:t=\"http://schemas.microsoft.com/windows/2004/02/mit/task\""
                               " xmlns:o=\"urn:other\"><t:Actions><t:Exec><o:Command>evil.exe</o:Command>"
                               "<t:Command>good.exe</t:Command></t:Exec></t:Actions></t:Task>"), 0);
        ck_assert_str_eq(t.command, "good.exe");
        taskxml_release(&t);
        ck_assert_int_eq(parse("<o:Task xmlns:o=\"urn:other\"/>"), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_NOT_TASK);
        ck_assert_str_eq(t.error_text, "not a task");
}
END_TEST

/* Hidden: "1" is true too; Exec without Arguments; an empty Triggers. */
START_TEST(test_defaults)
{
        ck_assert_int_eq(parse("<Task><Triggers/><Settings><Hidden> 1 </Hidden></Settings>"
                               "<Actions><Exec><Command> x.exe </Command></Exec></Actions></Task>"), 0);
        ck_assert(t.hidden);
        ck_assert_str_eq(t.command, "x.exe");
        ck_assert_ptr_null(t.arguments);
        ck_assert_str_eq(t.triggers, "");
        ck_assert_uint_eq(t.actions, 1);
}
END_TEST

/* The escaped form gives exactly what the raw form gives. */
START_TEST(test_escaped_equals_raw)
{
        static const char *const docs[] = { task_system, task_com };
        struct taskxml raw;

        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                _cleanup_free_ char *esc = escape(docs[i]);
                ck_assert_int_eq(taskxml_parse(docs[i], strlen(docs[i]), NULL, &raw), 0);
                ck_assert_int_eq(parse(esc), 0);
                ck_assert(t.escaped);
#define SAME(f) ck_assert(((raw.f) == NULL && (t.f) == NULL) || strcmp(raw.f, t.f) == 0)
                SAME(author); SAME(user_id); SAME(run_level); SAME(logon_type);
                SAME(command); SAME(arguments); SAME(com_handler); SAME(triggers);
#undef SAME
                ck_assert_int_eq(raw.hidden, t.hidden);
                ck_assert_uint_eq(raw.actions, t.actions);
                taskxml_release(&raw);
                taskxml_release(&t);
        }
        /* numeric references, leading whitespace; unescaped once only */
        ck_assert_int_eq(parse("  &lt;Task&gt;&lt;Actions&gt;&lt;Exec&gt;&lt;Command&gt;&#x41;&#66;"
                               "&amp;lt;&lt;/Command&gt;&lt;/Exec&gt;&lt;/Actions&gt;&lt;/Task&gt;"), 0);
        ck_assert_str_eq(t.command, "AB<");
        taskxml_release(&t);
        ck_assert_int_eq(parse("&lt;Task&gt;&#0;&lt;/Task&gt;"), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_BAD_ESCAPE);
        taskxml_release(&t);
        ck_assert_int_eq(parse("&lt;Task&gt;&#xD800;&lt;/Task&gt;"), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_BAD_ESCAPE);
}
END_TEST

/* encoding="UTF-16" with UTF-8 bytes: parsed as UTF-8 (the declaration is
 * overridden), multi-byte characters intact. */
START_TEST(test_utf16_declared)
{
        ck_assert_int_eq(parse("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Task><RegistrationInfo>"
                               "<Author>J\xc3\xbcrgen \xe2\x82\xac</Author></RegistrationInfo></Task>"), 0);
        ck_assert_str_eq(t.author, "J\xc3\xbcrgen \xe2\x82\xac");
        taskxml_release(&t);
        /* and other declarations too */
        ck_assert_int_eq(parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Task><RegistrationInfo>"
                               "<Author>\xc3\xa9</Author></RegistrationInfo></Task>"), 0);
        ck_assert_str_eq(t.author, "\xc3\xa9");
}
END_TEST

/* Hostile documents: each rejected with its reason, early. */
static const struct {
        const char *name;
        const char *doc;
        enum taskxml_reject why;
        const char *text;       /* prefix of error_text */
        size_t max_parsed;      /* expat stopped before this byte */
} hostile[] = {
        { "billion laughs",
          "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
          " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
          " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
          " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
          " <!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n]>\n"
          "<Task><RegistrationInfo><Author>&lol9;</Author></RegistrationInfo></Task>",
          TASKXML_REJ_DTD, "DTD not allowed", 64 },
        { "external entity",
          "<?xml version=\"1.0\"?><!DOCTYPE Task [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
          "<Task><RegistrationInfo><Author>&xxe;</Author></RegistrationInfo></Task>",
          TASKXML_REJ_DTD, "DTD not allowed", 64 },
        { "external DTD",
          "<!DOCTYPE Task SYSTEM \"http://example.invalid/task.dtd\"><Task/>",
          TASKXML_REJ_DTD, "DTD not allowed", 64 },
        { "undefined entity",
          "<Task><RegistrationInfo><Author>&xxe;</Author></RegistrationInfo></Task>",
          TASKXML_REJ_NOT_WELL_FORMED, "not well-formed (line 1: undefined entity)", 64 },
        { "unclosed",
          "<Task>\n<Actions>\n</Task>",
          TASKXML_REJ_NOT_WELL_FORMED, "not well-formed (line 3", 64 },
        { "not a task",
          "<Foo><Actions/></Foo>",
          TASKXML_REJ_NOT_TASK, "not a task", 8 },
};

START_TEST(test_hostile)
{
        ck_assert_int_eq(parse(hostile[_i].doc), -EINVAL);
        ck_assert_msg(t.error == hostile[_i].why, "%s: reason %d", hostile[_i].name, t.error);
        ck_assert_msg(strncmp(t.error_text, hostile[_i].text, strlen(hostile[_i].text)) == 0,
                      "%s: \"%s\"", hostile[_i].name, t.error_text);
        ck_assert_msg(t.parsed_bytes < hostile[_i].max_parsed, "%s: parsed %zu bytes",
                      hostile[_i].name, t.parsed_bytes);
        ck_assert_ptr_null(t.command);
        ck_assert_ptr_null(t.triggers);
}
END_TEST

/* 10 MB: refused by the size cap without parsing; 64 KiB + 1 likewise. */
START_TEST(test_too_large)
{
        size_t n = 10 * 1024 * 1024;
        _cleanup_free_ char *big = malloc(n);

        ck_assert_ptr_nonnull(big);
        memset(big, ' ', n);
        memcpy(big, "<Task>", 6);
        memcpy(big + n - 7, "</Task>", 7);
        ck_assert_int_eq(taskxml_parse(big, n, NULL, &t), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_TOO_LARGE);
        ck_assert_str_eq(t.error_text, "too large");
        ck_assert_uint_eq(t.parsed_bytes, 0);
        taskxml_release(&t);
        ck_assert_int_eq(taskxml_parse(big, TASKXML_DEFAULT_MAX_BYTES + 1, NULL, &t), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_TOO_LARGE);
        taskxml_release(&t);
        /* at the cap it is parsed */
        memcpy(big + TASKXML_DEFAULT_MAX_BYTES - 7, "</Task>", 7);
        ck_assert_int_eq(taskxml_parse(big, TASKXML_DEFAULT_MAX_BYTES, NULL, &t), 0);
}
END_TEST

/* 10,000 nested elements (under the size cap): stopped at depth 64. */
START_TEST(test_too_deep)
{
        const struct taskxml_limits lim = { .max_bytes = 1024 * 1024 };
        size_t depth = 10000, n = 6 + depth * 7 + 7;
        _cleanup_free_ char *doc = malloc(n + 1);
        char *p = stpcpy(doc, "<Task>");

        for (size_t i = 0; i < depth; i++)
                p = stpcpy(p, "<a>");
        for (size_t i = 0; i < depth; i++)
                p = stpcpy(p, "</a>");
        p = stpcpy(p, "</Task>");
        ck_assert_uint_eq((size_t)(p - doc), n);
        ck_assert_int_eq(taskxml_parse(doc, n, &lim, &t), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_TOO_DEEP);
        ck_assert_str_eq(t.error_text, "too deep");
        /* the 65th start tag stopped it: 6 + 63 * 3 bytes before it */
        ck_assert_uint_le(t.parsed_bytes, 6 + 64 * 3);
        taskxml_release(&t);

        /* 63 levels under Task are fine */
        p = stpcpy(doc, "<Task>");
        for (size_t i = 0; i < 63; i++)
                p = stpcpy(p, "<a>");
        for (size_t i = 0; i < 63; i++)
                p = stpcpy(p, "</a>");
        stpcpy(p, "</Task>");
        ck_assert_int_eq(parse(doc), 0);
}
END_TEST

/* One parser per thread serves task after task (XML_ParserReset): a document
 * refused half-way (a DTD, not well-formed, too deep, not a task) leaves
 * nothing behind for the next, and neither does a large one. */
static void reuse_round(void)
{
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                ck_assert_int_eq(parse(hostile[i].doc), -EINVAL);
                ck_assert_msg(t.error == hostile[i].why, "%s: reason %d", hostile[i].name, t.error);
                ck_assert_msg(strncmp(t.error_text, hostile[i].text, strlen(hostile[i].text)) == 0,
                              "%s: \"%s\"", hostile[i].name, t.error_text);
                taskxml_release(&t);
                ck_assert_int_eq(parse(task_system), 0);
                ck_assert_str_eq(t.command, "C:\\Windows\\System32\\cmd.exe");
                ck_assert_str_eq(t.triggers, "LogonTrigger,TimeTrigger");
                ck_assert_uint_eq(t.actions, 2);
                taskxml_release(&t);
                ck_assert_int_eq(parse(task_com), 0);
                ck_assert_str_eq(t.com_handler, "{A6BA00FE-40E8-477C-B713-C64A14F28B1C}");
                ck_assert_ptr_null(t.command);
                taskxml_release(&t);
        }
}

static void *reuse_thread(void *arg)
{
        (void)arg;
        memset(&t, 0, sizeof(t));
        reuse_round();
        return NULL;    /* the thread's parser goes with it (ASan, valgrind: no leak) */
}

START_TEST(test_parser_reuse)
{
        const struct taskxml_limits lim = { .max_bytes = 1024 * 1024 };
        size_t n = 200 * 1024;
        _cleanup_free_ char *big = malloc(n);

        reuse_round();
        /* a document larger than what a kept parser may have seen */
        ck_assert_ptr_nonnull(big);
        memset(big, ' ', n);
        memcpy(big, "<Task><Actions><Exec><Command>big.exe</Command></Exec></Actions>", 64);
        memcpy(big + n - 7, "</Task>", 7);
        ck_assert_int_eq(taskxml_parse(big, n, &lim, &t), 0);
        ck_assert_str_eq(t.command, "big.exe");
        taskxml_release(&t);
        reuse_round();
        /* another thread, its own parser */
        pthread_t th;
        ck_assert_int_eq(pthread_create(&th, NULL, reuse_thread, NULL), 0);
        ck_assert_int_eq(pthread_join(th, NULL), 0);
        memset(&t, 0, sizeof(t));
        reuse_round();
}
END_TEST

START_TEST(test_missing)
{
        ck_assert_int_eq(taskxml_parse("", 0, NULL, &t), -EINVAL);
        ck_assert_int_eq(t.error, TASKXML_REJ_MISSING);
        ck_assert_str_eq(t.error_text, "no task XML");
}
END_TEST

START_TEST(test_fingerprint)
{
        char a[17], b[17], c[17], d[17];

        /* the same task on two hosts (case differs): the same fingerprint */
        ck_assert_int_eq(taskxml_fingerprint("C:\\Windows\\cmd.exe /c x", "S-1-5-18", a), 0);
        ck_assert_int_eq(taskxml_fingerprint("c:\\windows\\CMD.EXE /c x", "s-1-5-18", b), 0);
        ck_assert_str_eq(a, b);
        ck_assert_uint_eq(strlen(a), 16);
        for (int i = 0; i < 16; i++)
                ck_assert(strchr("0123456789abcdef", a[i]) != NULL);
        /* another principal: another fingerprint */
        ck_assert_int_eq(taskxml_fingerprint("C:\\Windows\\cmd.exe /c x", "S-1-5-21-1-2-3-1001", c), 0);
        ck_assert_str_ne(a, c);
        /* the separator keeps "ab"+"c" apart from "a"+"bc" */
        ck_assert_int_eq(taskxml_fingerprint("ab", "c", c), 0);
        ck_assert_int_eq(taskxml_fingerprint("a", "bc", d), 0);
        ck_assert_str_ne(c, d);
        /* a fixed value, stable across builds and hosts: sha256("a\x1f" "b") (sha256sum agrees) */
        ck_assert_int_eq(taskxml_fingerprint("A", "B", d), 0);
        ck_assert_str_eq(d, "f04cdced9736a69d");
}
END_TEST

/* Through decode_event(): two hosts, one task → one fingerprint; fields set. */
static int decode_task(struct decoder *dec, struct winevent *ev, const char *host, int id,
                       const char *field, const char *xml)
{
        struct json_object;
        char *json = NULL;
        _cleanup_free_ char *esc = malloc(strlen(xml) * 2 + 1);
        char *p = esc;
        enum reject_reason why;
        int r;

        /* JSON string escaping of the XML */
        for (const char *s = xml; *s; s++) {
                if (*s == '"' || *s == '\\')
                        *p++ = '\\';
                if (*s == '\r' || *s == '\n') {
                        *p++ = '\\';
                        *p++ = *s == '\r' ? 'r' : 'n';
                        continue;
                }
                *p++ = *s;
        }
        *p = '\0';
        ck_assert_int_ge(asprintf(&json, "{\"EventTime\":\"2023-04-01 10:11:12\",\"Hostname\":\"%s\","
                                  "\"EventID\":%d,\"SourceName\":\"Microsoft-Windows-Security-Auditing\","
                                  "\"Channel\":\"Security\",\"TaskName\":\"\\\\Updater\",\"%s\":\"%s\"}",
                                  host, id, field, esc), 0);
        r = decode_event(dec, json, strlen(json), NULL, ev, &why, NULL, 0);
        free(json);
        return r;
}

static const char *get(const struct winevent *ev, const char *name)
{
        const struct winevent_field *f = winevent_get(ev, name);
        return f ? f->value : NULL;
}

START_TEST(test_decode_hook)
{
        struct decoder *dec = decoder_new(DECODE_DEFAULT_MAX_DEPTH);
        struct winevent ev;
        char fp1[17];

        winevent_init(&ev);
        ck_assert_int_eq(decode_task(dec, &ev, "ws01.contoso.com", 4698, "TaskContent", task_system), 0);
        ck_assert_str_eq(get(&ev, "TaskAuthor"), "CONTOSO\\bob");
        ck_assert_str_eq(get(&ev, "TaskPrincipalUserId"), "S-1-5-18");
        ck_assert_str_eq(get(&ev, "TaskRunLevel"), "HighestAvailable");
        ck_assert_str_eq(get(&ev, "TaskLogonType"), "ServiceAccount");
        ck_assert_str_eq(get(&ev, "TaskCommand"), "C:\\Windows\\System32\\cmd.exe");
        ck_assert_str_eq(get(&ev, "TaskArguments"), "/c net user > %TEMP%\\u.txt 2>&1");
        ck_assert_str_eq(get(&ev, "TaskCommandLine"), "C:\\Windows\\System32\\cmd.exe /c net user > %TEMP%\\u.txt 2>&1");
        ck_assert_ptr_null(get(&ev, "TaskComHandler"));
        ck_assert_str_eq(get(&ev, "TaskHidden"), "true");
        ck_assert_str_eq(get(&ev, "TaskTriggers"), "LogonTrigger,TimeTrigger");
        ck_assert_str_eq(get(&ev, "TaskActions"), "2");
        ck_assert_ptr_null(get(&ev, "TaskParseError"));
        snprintf(fp1, sizeof(fp1), "%s", get(&ev, "TaskFingerprint"));

        /* same task, another host, as a 4702 update: same fingerprint */
        ck_assert_int_eq(decode_task(dec, &ev, "ws02.contoso.com", 4702, "TaskContentNew", task_system), 0);
        ck_assert_str_eq(get(&ev, "TaskFingerprint"), fp1);

        /* another principal: another fingerprint */
        _cleanup_free_ char *other = strdup(task_system);
        memcpy(strstr(other, "S-1-5-18"), "S-1-5-19", 8);
        ck_assert_int_eq(decode_task(dec, &ev, "ws02.contoso.com", 4698, "TaskContent", other), 0);
        ck_assert_str_ne(get(&ev, "TaskFingerprint"), fp1);

        /* bad XML: the event is kept, with the reason, and counted */
        uint64_t before = metrics.task_xml_rejected[TASKXML_REJ_DTD];
        ck_assert_int_eq(decode_task(dec, &ev, "ws03", 4698, "TaskContent", hostile[0].doc), 0);
        ck_assert_str_eq(get(&ev, "TaskParseError"), "DTD not allowed");
        ck_assert_ptr_null(get(&ev, "TaskCommand"));
        ck_assert_uint_eq(metrics.task_xml_rejected[TASKXML_REJ_DTD], before + 1);

        /* other events are left alone */
        ck_assert_int_eq(decode_task(dec, &ev, "ws03", 4699, "TaskContent", task_system), 0);
        ck_assert_ptr_null(get(&ev, "TaskCommand"));
        ck_assert_ptr_null(get(&ev, "TaskParseError"));

        winevent_free(&ev);
        decoder_free(dec);
}
END_TEST

static Suite *taskxml_suite(void)
{
        Suite *s = suite_create("taskxml");
        TCase *tc;

#define TC(name, fn)                                            \
        tc = tcase_create(name);                                \
        tcase_add_checked_fixture(tc, setup, teardown);         \
        tcase_add_test(tc, fn);                                 \
        suite_add_tcase(s, tc)
        TC("exec_system", test_exec_system);
        TC("com_handler", test_com_handler);
        TC("namespaces", test_namespaces);
        TC("defaults", test_defaults);
        TC("escaped_equals_raw", test_escaped_equals_raw);
        TC("utf16_declared", test_utf16_declared);
        TC("too_large", test_too_large);
        TC("too_deep", test_too_deep);
        TC("missing", test_missing);
        TC("parser_reuse", test_parser_reuse);
        TC("fingerprint", test_fingerprint);
        TC("decode_hook", test_decode_hook);
#undef TC
        tc = tcase_create("hostile");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_hostile, 0, (int)ELEMENTSOF(hostile));
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(taskxml_suite());
}
