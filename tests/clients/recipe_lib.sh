# Shared by the forwarder-recipe tests (recipe_rsyslog.sh,
# recipe_syslogng.sh): send NXLog-shaped events to the relay, wait for
# spoord to accept them, check nothing was rejected, wait for the leads.
# The caller sets RELAY (its name), RELAY_LOG, OCT_PORT and LF_PORT (the
# relay's octet-counted and LF inputs), RULE_ID, and sources lib.sh first.

# send_nxlog FILE: odd lines as NXLog's to_syslog_ietf() with octet counting
# (OutputType Syslog_TLS), even lines as to_syslog_bsd() ending in LF, each
# kind over its own connection.
send_nxlog() {
	local i=0 line host app len msg
	: > "$T/ietf.bin"; : > "$T/bsd.bin"
	while IFS= read -r line; do
		i=$((i + 1))
		host=$(jq -r '.Hostname | split(".")[0] | ascii_upcase' <<<"$line")
		app=$(jq -r .SourceName <<<"$line")
		if [ $((i % 2)) -eq 1 ]; then
			msg="<14>1 2026-11-22T10:00:0${i}.000000Z $host $app 4 - [NXLOG@14506 SourceModuleName=\"eventlog\" SourceModuleType=\"im_msvistalog\"] $line"
			len=$(LC_ALL=C; printf '%s' "$msg" | wc -c)
			printf '%d %s' "$len" "$msg" >> "$T/ietf.bin"
		else
			printf '<14>Nov 22 10:00:0%d %s %s[4]: %s\n' "$i" "$host" "$app" "$line" >> "$T/bsd.bin"
		fi
	done < "$1"
	socat -u "OPEN:$T/ietf.bin" "TCP:127.0.0.1:$OCT_PORT" || fail "socat (octet-counted) failed"
	socat -u "OPEN:$T/bsd.bin" "TCP:127.0.0.1:$LF_PORT" || fail "socat (LF) failed"
}

# wait_accepted N SECONDS
wait_accepted() {
	local i v
	for i in $(seq 1 $(($2 * 10))); do
		v=$(metric spoor_events_accepted_total)
		[ "$v" = "$1" ] && return 0
		sleep 0.1
	done
	echo "--- $RELAY log"; cat "$RELAY_LOG"
	fail "spoor_events_accepted_total is $v, expected $1"
}

# no_rejects: every reject counter is 0 (a wrongly framed, cut or
# re-encoded relay output lands here).
no_rejects() {
	local bad
	bad=$(curl -fsS "http://$HTTP/metrics" | awk '$1 ~ /^spoor_events_rejected_total/ && $2 != 0')
	[ -z "$bad" ] || fail "spoord rejected events: $bad"
}

# leads_for SECONDS RECORD...: wait until a lead of the rule exists for each
# record.
leads_for() {
	local want got i secs=$1
	shift
	want=$(printf '%s\n' "$@" | sort -u)
	for i in $(seq 1 $((secs * 10))); do
		got=$(jq -r --arg id "$RULE_ID" 'select(.type=="lead" and .rule.id==$id) | .events[].record_id' \
			"$T/spool/leads.jsonl" 2>/dev/null | sort -u)
		[ "$(comm -23 <(echo "$want") <(echo "$got"))" = "" ] && return 0
		sleep 0.1
	done
	echo "--- $RELAY log"; cat "$RELAY_LOG"
	fail "leads for records [$(tr "\n" " " <<<"$want")], got [$(tr "\n" " " <<<"$got")]"
}
