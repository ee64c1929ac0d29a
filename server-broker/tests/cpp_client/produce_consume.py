#!/usr/bin/env python3
"""Produce and consume through the official Apache RocketMQ C++ client (librocketmq.so).

Uses the `rocketmq-client-python==0.5.0rc2` wheel, a thin ctypes wrapper around the C++
client, so every byte on the wire comes from Apache's code, not ours.

    produce_consume.py NAMESRV_ADDR TOPIC GROUP COUNT [--timeout SECONDS] [--consumer-first]

1. A Producer (group `GROUP_producer`) sends COUNT messages synchronously, each with a distinct
   key and body, and checks every SendResult is SendStatus.OK.
2. A PushConsumer (group `GROUP`, clustering, subscription `*`) collects messages until every
   sent body has arrived or the timeout expires.

Order: the C API has no consume-from-where setter, so the consumer uses the C++ default
CONSUME_FROM_LAST_OFFSET. With the default order (produce, then consume) the new group's first
QUERY_CONSUMER_OFFSET must be answered with 0 by the broker's new-group-on-hot-data rule (spec
§3.5, as Java's broker does); otherwise the client jumps to the max offset and receives
nothing. `--consumer-first` starts the consumer before producing instead (slower: the client
refreshes the route of a not-yet-existing topic only every 30 s).

Prints one machine-readable line and exits 0 only when every sent message was received:

    SENT 1000 RECEIVED 1000 DISTINCT 1000

(RECEIVED counts deliveries, duplicates included; DISTINCT counts distinct sent bodies seen.)
Exit codes: 0 success, 1 a check failed, 2 bad arguments, 3 the hard deadline expired
(something hung, e.g. in the C++ client's shutdown).

Every loop is bounded; a watchdog thread ends the process at the hard deadline.
"""

import argparse
import os
import sys
import threading
import time

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, SendStatus

# Consecutive send failures after which producing stops (the broker is clearly not serving).
MAX_CONSECUTIVE_SEND_FAILURES = 3
# Time allowed for the C++ client's shutdown calls.
SHUTDOWN_GRACE_S = 20


def log(text):
    print(text, file=sys.stderr, flush=True)


def start_watchdog(seconds):
    """Ends the process with code 3 after `seconds`, whatever the C++ client is doing."""

    def expire():
        log("HARD DEADLINE of %.0f s expired; exiting" % seconds)
        print("SENT ? RECEIVED ? DISTINCT ? (hard deadline expired)", flush=True)
        os._exit(3)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


class Collector(object):
    """Collects deliveries from the C++ client's consume threads."""

    def __init__(self, topic, expected):
        self.topic = topic
        self.expected = expected  # body -> key
        self.lock = threading.Lock()
        self.deliveries = 0
        self.distinct = set()
        self.unexpected = []  # (topic, body) not produced by this run
        self.mismatched = []  # (body, wanted key, got key)
        self.done = threading.Event()

    def on_message(self, msg):
        body = msg.body.decode("utf-8", "replace")
        keys = (msg.keys or b"").decode("utf-8", "replace")
        topic = msg.topic
        with self.lock:
            self.deliveries += 1
            if topic != self.topic or body not in self.expected:
                if len(self.unexpected) < 10:
                    self.unexpected.append((topic, body))
            else:
                if self.expected[body] != keys and len(self.mismatched) < 10:
                    self.mismatched.append((body, self.expected[body], keys))
                self.distinct.add(body)
                if len(self.distinct) == len(self.expected):
                    self.done.set()
        return ConsumeStatus.CONSUME_SUCCESS


def produce(namesrv, topic, group, count, run_id, deadline):
    """Sends `count` messages; returns (body -> key of every acknowledged send, failures)."""
    producer = Producer(group + "_producer", timeout=5000)
    producer.set_namesrv_addr(namesrv)
    producer.start()
    sent = {}
    failures = []
    consecutive = 0
    try:
        for i in range(count):
            if time.monotonic() > deadline:
                failures.append("produce deadline expired after %d sends" % i)
                break
            key = "k-%s-%05d" % (run_id, i)
            body = "ferromq-cpp-%s-%05d" % (run_id, i)
            msg = Message(topic)
            msg.set_keys(key)
            msg.set_tags("TagA")
            msg.set_body(body)
            try:
                result = producer.send_sync(msg)
            except Exception as e:  # the C++ client gave up (after its own retries)
                failures.append("send %d: %s: %s" % (i, type(e).__name__, e))
                consecutive += 1
                if consecutive >= MAX_CONSECUTIVE_SEND_FAILURES:
                    failures.append("%d consecutive send failures; stopped" % consecutive)
                    break
                continue
            finally:
                msg.destroy()
            consecutive = 0
            if result.status != SendStatus.OK:
                failures.append("send %d: status %s" % (i, result.status.name))
            elif not result.msg_id:
                failures.append("send %d: empty msgId" % i)
            else:
                sent[body] = key
            if i == 0 or (i + 1) % 250 == 0:
                log("sent %d/%d (last msgId %s, queue offset %d)"
                    % (i + 1, count, result.msg_id, result.offset))
    finally:
        producer.shutdown()
    return sent, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("namesrv", help="name server address, host:port")
    parser.add_argument("topic")
    parser.add_argument("group", help="consumer group (the producer group adds _producer)")
    parser.add_argument("count", type=int)
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for all messages after producing (default 60)")
    parser.add_argument("--consumer-first", action="store_true",
                        help="start the consumer before producing")
    args = parser.parse_args()
    if args.count <= 0:
        parser.error("count must be positive")

    # Producing 1,000 messages takes a second or two; allow generously for slow machines.
    produce_budget = 60.0 + args.count * 0.05
    start_watchdog(produce_budget + args.timeout + 2 * SHUTDOWN_GRACE_S + 30)
    run_id = "%d-%d" % (os.getpid(), int(time.time() * 1000))
    started = time.monotonic()

    # The expected set is fixed up front so the collector can check every delivery; the
    # messages whose send was not acknowledged are removed from it after producing.
    expected = {"ferromq-cpp-%s-%05d" % (run_id, i): "k-%s-%05d" % (run_id, i)
                for i in range(args.count)}
    collector = Collector(args.topic, expected)

    consumer = PushConsumer(args.group)
    consumer.set_namesrv_addr(args.namesrv)
    consumer.subscribe(args.topic, collector.on_message, "*")

    if args.consumer_first:
        consumer.start()
        log("consumer started before producing")
    sent, failures = produce(args.namesrv, args.topic, args.group, args.count, run_id,
                             time.monotonic() + produce_budget)
    produced_at = time.monotonic()
    log("produced %d/%d in %.2f s" % (len(sent), args.count, produced_at - started))
    with collector.lock:
        for body in list(expected):
            if body not in sent:
                del expected[body]
        if expected and len(collector.distinct) >= len(expected):
            collector.done.set()
    if not args.consumer_first:
        consumer.start()
        log("consumer started")

    if sent:
        wait_deadline = time.monotonic() + args.timeout
        last_report = time.monotonic()
        while not collector.done.is_set() and time.monotonic() < wait_deadline:
            collector.done.wait(0.5)
            if time.monotonic() - last_report >= 5:
                last_report = time.monotonic()
                with collector.lock:
                    log("received %d distinct of %d" % (len(collector.distinct), len(sent)))
    consumed_at = time.monotonic()

    with collector.lock:
        deliveries = collector.deliveries
        distinct = len(collector.distinct)
        missing = sorted(set(sent) - collector.distinct)
        unexpected = list(collector.unexpected)
        mismatched = list(collector.mismatched)

    summary = "SENT %d RECEIVED %d DISTINCT %d" % (len(sent), deliveries, distinct)
    print(summary, flush=True)
    log("DETAIL produce %.2f s, consume %.2f s, send failures %d, missing %d, "
        "unexpected %d, key mismatches %d"
        % (produced_at - started, consumed_at - produced_at, len(failures), len(missing),
           len(unexpected), len(mismatched)))
    for f in failures[:10]:
        log("  send failure: " + f)
    for body in missing[:10]:
        log("  missing: " + body)
    for topic, body in unexpected:
        log("  unexpected: topic %r body %r" % (topic, body))
    for body, want, got in mismatched:
        log("  key mismatch: body %r wanted key %r got %r" % (body, want, got))

    ok = (not failures and len(sent) == args.count and distinct == args.count
          and not unexpected and not mismatched)
    consumer.shutdown()
    log("consumer shut down; %s" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
