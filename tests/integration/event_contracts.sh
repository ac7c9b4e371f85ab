#!/usr/bin/env bash
# Every event the daemons produced during the integration run honours its contract. Runs after
# every other test on the stack (ctest DEPENDS), so it sees what they all made the daemons do.
#
# The topics: what each daemon's --describe lists under "produces" (common's topic table), read
# whole with kcat from the stack's broker. Each record the topic's producer made is checked:
#   - its value against docs/events/envelope.schema.json, its data against
#     docs/events/<topic>.schema.json (python3-jsonschema, the validator of schema_valid in
#     lib.sh, as a library: one process for every record of every topic, with format checks);
#   - the envelope against its record (DESIGN.md section 3): topic = <event_type>.v<event_version>,
#     key = correlation_id, producer = the topic's producer, and the Kafka headers event_type and
#     event_id repeat the envelope's, traceparent continues its trace_id.
# A topic whose producer made records but that has no schema file fails; a topic without any
# such record is listed as not exercised (not a failure).
#
# Which records are the producer's. Tests produce on these topics with kcat under the real
# producer's name (inventory.sh and business.sh play order-svc, customer_feed.sh and
# inventory.sh business-svc), and some of that data is malformed on purpose (qty 0, a repeated
# item, an order.placed.v1 with no lines), not always dead-lettered (a consumer reads only what
# it needs). So neither the envelope's producer nor the dead letters tell them apart. The
# producer's outbox does: every event a daemon produces is a row of <its schema>.outbox first
# (the relay deletes published rows after 24 h, longer than any test stack lives). A record is
# the producer's when its envelope names the producer and its event_id is in that outbox; the
# others are counted as injected and not validated. .dlq topics are not read at all.
source "$(dirname "$0")/lib.sh"

BROKER="127.0.0.1:$OF_KAFKA_PORT"
EVENTS="$OF_REPO/docs/events"
WORK=$(mktemp -d "$OF_ITEST_DIR/event_contracts.XXXXXX")
trap 'rm -rf "$WORK" "$BODY_FILE" "$HEADERS_FILE" "$RAW_REQ" "$RAW_RESP"' EXIT

# Debian's python3 with python3-jsonschema (scripts/deps.sh installs it), else python3 on PATH.
PY=/usr/bin/python3
{ [ -x "$PY" ] && "$PY" -c 'import jsonschema' 2>/dev/null; } || PY=python3
"$PY" -c 'import jsonschema' 2>/dev/null || fail "$PY has no jsonschema module (scripts/deps.sh)"

# One line per produced topic: topic, producer, its records (kcat -J), the producer's event ids.
: >"$WORK/topics.tsv"
for i in "${!SERVICES[@]}"; do
  svc=${SERVICES[$i]} schema=${SCHEMAS[$i]}
  mapfile -t produced < <(describe "$svc" | jq -r '.produces[]')
  for topic in "${produced[@]}"; do
    records="$WORK/$topic.records" ids="$WORK/$topic.ids"
    # A short fetch wait: each partition's end is reached in milliseconds, not the default 500.
    kcat -b "$BROKER" -C -e -q -J -X fetch.wait.max.ms=10 -t "$topic" >"$records" 2>"$WORK/kcat.err" ||
      fail "kcat cannot read $topic: $(head -c 500 "$WORK/kcat.err")"
    # After the topic: every record read was published from a row that is still there.
    psql_admin "SELECT payload->>'event_id' FROM $schema.outbox WHERE topic = '$topic'" >"$ids" ||
      fail "cannot read $schema.outbox"
    printf '%s\t%s\t%s\t%s\n' "$topic" "$svc" "$records" "$ids" >>"$WORK/topics.tsv"
  done
done
[ -s "$WORK/topics.tsv" ] || fail "no daemon's --describe lists a produced topic"

"$PY" - "$WORK/topics.tsv" "$EVENTS" <<'PYTHON'
import json
import os
import re
import sys

import jsonschema

topics_tsv, events = sys.argv[1], sys.argv[2]
checker = jsonschema.FormatChecker()


def validator(path):
    with open(path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=checker)


def where(err):
    return "/".join(str(p) for p in err.absolute_path) or "(top)"


envelope = validator(os.path.join(events, "envelope.schema.json"))
failed = []       # one line per failing topic
exercised = 0
MAX_SHOWN = 5     # failures printed per topic

for row in open(topics_tsv):
    topic, producer, records_path, ids_path = row.rstrip("\n").split("\t")
    ids = set(l.strip() for l in open(ids_path) if l.strip())
    schema_path = os.path.join(events, topic + ".schema.json")
    mine, injected, others, bad = [], 0, 0, []
    for line in open(records_path):
        if not line.strip():
            continue
        rec = json.loads(line)  # kcat -J: topic, partition, offset, headers, key, payload
        try:
            value = json.loads(rec.get("payload") or "")
        except ValueError:
            value = None
        if not isinstance(value, dict) or value.get("producer") != producer:
            others += 1
        elif value.get("event_id") not in ids:
            injected += 1
        else:
            mine.append((rec, value))
    skipped = "%d injected by tests under %s's name, %d of other producers" % (injected, producer, others)
    if not mine:
        print("not exercised - %s: no record of %s's outbox (%s)" % (topic, producer, skipped))
        continue
    exercised += 1
    if not os.path.exists(schema_path):
        failed.append("%s: %d records of %s but no docs/events/%s.schema.json" % (topic, len(mine), producer, topic))
        continue
    data = validator(schema_path)
    for rec, value in mine:
        at = "%s [%s:%s] event %s" % (topic, rec.get("partition"), rec.get("offset"), value.get("event_id"))
        problems = ["envelope %s: %s" % (where(e), e.message) for e in envelope.iter_errors(value)]
        if isinstance(value.get("data"), dict):
            problems += ["data %s: %s" % (where(e), e.message) for e in data.iter_errors(value["data"])]
        h = rec.get("headers") or []
        headers = dict(zip(h[0::2], h[1::2]))
        if "%s.v%s" % (value.get("event_type"), value.get("event_version")) != topic:
            problems.append("event_type %r version %r is not the topic's" % (value.get("event_type"), value.get("event_version")))
        if rec.get("key") != value.get("correlation_id"):
            problems.append("key %r is not correlation_id %r" % (rec.get("key"), value.get("correlation_id")))
        for name in ("event_type", "event_id"):
            if headers.get(name) != value.get(name):
                problems.append("header %s %r is not the envelope's %r" % (name, headers.get(name), value.get(name)))
        tp = headers.get("traceparent") or ""
        if not re.fullmatch(r"00-%s-[0-9a-f]{16}-[0-9a-f]{2}" % re.escape(str(value.get("trace_id"))), tp):
            problems.append("header traceparent %r does not continue trace_id %r" % (tp, value.get("trace_id")))
        if problems:
            bad.append("%s: %s" % (at, "; ".join(problems)))
    # The schemas have teeth: the first record with its data emptied, or without its event_id,
    # is refused.
    rec, value = mine[0]
    if data.is_valid({}) or envelope.is_valid({k: v for k, v in value.items() if k != "event_id"}):
        bad.append("%s: the schemas accept an empty data or an envelope without event_id" % topic)
    if bad:
        for b in bad[:MAX_SHOWN]:
            print("  " + b, file=sys.stderr)
        if len(bad) > MAX_SHOWN:
            print("  ... and %d more on %s" % (len(bad) - MAX_SHOWN, topic), file=sys.stderr)
        failed.append("%s: %d of %d records of %s break the contract" % (topic, len(bad), len(mine), producer))
        continue
    print("ok - %s: %d records of %s valid against envelope.schema.json and %s.schema.json, their keys and headers as the envelope says (%s)"
          % (topic, len(mine), producer, topic, skipped))

for f in failed:
    print("FAIL: " + f, file=sys.stderr)
if exercised == 0:
    print("FAIL: no topic has a record of its producer: nothing was checked", file=sys.stderr)
sys.exit(1 if failed or exercised == 0 else 0)
PYTHON
ok "every record the daemons produced honours its contract"
