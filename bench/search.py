#!/usr/bin/env python3
"""Message search benchmark helper (bench/search.sh runs it).

  users   --url U --count N --out FILE    registers N users over REST, creates the groups
  generate --users FILE --messages N --out DIR   writes messages.tsv (the same data for both
                                          databases) and vocab.txt (words by frequency rank)
  seed-sqlite --db PATH --data DIR        inserts messages.tsv through the FTS5 triggers
  query   --url U --users FILE --data DIR --runs N   times GET /api/chat/search per query class

Text: pseudo-words (syllables) over a 20,000-word vocabulary with Zipf frequencies (s = 1.07),
3 to 24 words per message; 50 % public, 35 % private between two users, 15 % in 10 groups.
Deterministic (seeded), so SQLite and PostgreSQL get the same messages.
"""
import argparse
import bisect
import http.client
import json
import os
import random
import sqlite3
import statistics
import sys
import time
import urllib.parse

VOCAB = 20_000
GROUPS = 10
GROUP_MEMBERS = 30
SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"] + ["qu", "sh", "th", "ch"]


def vocabulary(rng):
    words, seen = [], set()
    while len(words) < VOCAB:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def zipf_cdf(n, s=1.07):
    weights = [1 / (k ** s) for k in range(1, n + 1)]
    total, acc, cdf = sum(weights), 0.0, []
    for w in weights:
        acc += w
        cdf.append(acc / total)
    return cdf


def request(conn, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, json.loads(data) if data else None


def connection(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=120)


def cmd_users(a):
    conn = connection(a.url)
    users = []
    for i in range(a.count):
        cred = {"email": f"s{i}@bench.example", "password": "correct horse battery", "username": f"searcher{i}"}
        st, body = request(conn, "POST", "/api/auth/register", cred)
        assert st == 201, (st, body)
        st, login = request(conn, "POST", "/api/auth/login", {"email": cred["email"], "password": cred["password"]})
        assert st == 201, (st, login)
        users.append({"id": body["data"]["user"]["id"], "token": login["access_token"]})
    rng = random.Random(7)
    owner, others = users[0], users[1:]
    groups = []
    for g in range(GROUPS):
        members = rng.sample(others, GROUP_MEMBERS)
        st, body = request(conn, "POST", "/api/groups",
                           {"name": f"group {g}", "memberIds": [m["id"] for m in members]}, owner["token"])
        assert st == 201, (st, body)
        groups.append({"id": body["data"]["id"], "members": [owner["id"]] + [m["id"] for m in members]})
    json.dump({"users": users, "groups": groups}, open(a.out, "w"))


def cmd_generate(a):
    people = json.load(open(a.users))
    ids = [u["id"] for u in people["users"]]
    groups = people["groups"]
    rng = random.Random(42)
    words = vocabulary(rng)
    cdf = zipf_cdf(VOCAB)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "vocab.txt"), "w") as f:
        f.write("\n".join(words) + "\n")
    start_ms = 1_764_547_200_000  # 2025-12-01
    with open(os.path.join(a.out, "messages.tsv"), "w") as f:
        for i in range(1, a.messages + 1):
            n = rng.randint(3, 24)
            text = " ".join(words[bisect.bisect_left(cdf, rng.random())] for _ in range(n))
            kind = rng.random()
            created = start_ms + i * 30_000
            if kind < 0.5:
                row = (i, text, 1, rng.choice(ids), "\\N", "\\N", created)
            elif kind < 0.85:
                s, r = rng.sample(ids, 2)
                row = (i, text, 0, s, r, "\\N", created)
            else:
                g = rng.choice(groups)
                row = (i, text, 0, rng.choice(g["members"]), "\\N", g["id"], created)
            f.write("\t".join(str(x) for x in row) + "\n")


def rows(data):
    with open(os.path.join(data, "messages.tsv")) as f:
        for line in f:
            i, text, pub, s, r, g, t = line.rstrip("\n").split("\t")
            yield (int(i), text, int(pub), int(s), None if r == "\\N" else int(r),
                   None if g == "\\N" else int(g), int(t), int(t))


def cmd_seed_sqlite(a):
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA foreign_keys = OFF")  # ids come from the registered users and groups
    t0 = time.time()
    with db:
        db.executemany(
            "INSERT INTO messages (id, content, is_public, sender_id, recipient_id, group_id,"
            " created_at, updated_at, type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'text')", rows(a.data))
        # As insert_batch does, once for all of them (SQLite migration 012).
        db.execute("INSERT INTO messages_fts (rowid, content) SELECT id, content FROM messages"
                   " WHERE type = 'text' AND deleted_at IS NULL")
        db.execute("UPDATE message_log SET head = (SELECT max(id) FROM messages)")
    print(f"seeded in {time.time() - t0:.0f} s", file=sys.stderr)


def query_sets(words, rng, runs):
    """(class, query) pairs: single words by frequency rank, two words, prefixes."""
    def pick(lo, hi):
        return words[rng.randrange(lo, hi)]
    sets = {
        "rare word (rank 5,000-20,000)": [pick(5000, VOCAB) for _ in range(runs)],
        "medium word (rank 100-5,000)": [pick(100, 5000) for _ in range(runs)],
        "common word (rank 1-100)": [pick(0, 100) for _ in range(runs)],
        "two medium words": [pick(100, 5000) + " " + pick(100, 5000) for _ in range(runs)],
        "prefix of 3 letters*": [pick(100, 5000)[:3] + "*" for _ in range(runs)],
    }
    return sets


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v) + 0.5) - 1))]


def cmd_query(a):
    people = json.load(open(a.users))
    token = people["users"][0]["token"]
    words = open(os.path.join(a.data, "vocab.txt")).read().split()
    rng = random.Random(99)
    conn = connection(a.url)
    # Warm-up: the first queries pay for cold caches.
    for w in words[:20]:
        request(conn, "GET", "/api/chat/search?" + urllib.parse.urlencode({"q": w}), token=token)
    result, everything = {}, []
    for scope in ("", "public"):
        for name, queries in query_sets(words, rng, a.runs).items():
            times, totals = [], []
            for q in queries:
                params = {"q": q}
                if scope:
                    params["conversation"] = scope
                t0 = time.perf_counter()
                st, body = request(conn, "GET", "/api/chat/search?" + urllib.parse.urlencode(params), token=token)
                times.append((time.perf_counter() - t0) * 1000)
                assert st == 200, (st, body)
                totals.append(body["meta"]["totalItems"])
            key = f"{name}{' [public]' if scope else ''}"
            everything += times
            result[key] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1),
                           "max_ms": round(max(times), 1), "median_matches": int(statistics.median(totals))}
    result["all queries"] = {"n": len(everything), "p50_ms": round(statistics.median(everything), 1),
                             "p95_ms": round(percentile(everything, 95), 1)}
    print(json.dumps(result, indent=1))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("users"); u.add_argument("--url"); u.add_argument("--count", type=int); u.add_argument("--out")
    g = sub.add_parser("generate"); g.add_argument("--users"); g.add_argument("--messages", type=int); g.add_argument("--out")
    s = sub.add_parser("seed-sqlite"); s.add_argument("--db"); s.add_argument("--data")
    q = sub.add_parser("query"); q.add_argument("--url"); q.add_argument("--users"); q.add_argument("--data"); q.add_argument("--runs", type=int)
    a = p.parse_args()
    {"users": cmd_users, "generate": cmd_generate, "seed-sqlite": cmd_seed_sqlite, "query": cmd_query}[a.cmd](a)


if __name__ == "__main__":
    main()
