#pragma once
// Lua scripts for cluster presence (run with EVAL, atomically). Keys:
//   chatd:nodes            set of node ids that registered
//   chatd:node:<id>        a node's heartbeat, expiring after the node TTL
//   chatd:presence:<id>    hash user id -> username of users with a device on that node
//   chatd:announced        hash user id -> 1 of the users last announced online (settle)
// A node counts only while its heartbeat key exists.
namespace chatd::cluster::scripts {

// Shared function: is `uid` on a live node other than `self`?
#define CHATD_LUA_ELSEWHERE                                                               \
  "local function elsewhere(self, uid)\n"                                                 \
  "  for _, n in ipairs(redis.call('SMEMBERS', 'chatd:nodes')) do\n"                      \
  "    if n ~= self and redis.call('EXISTS', 'chatd:node:' .. n) == 1 and\n"              \
  "       redis.call('HEXISTS', 'chatd:presence:' .. n, uid) == 1 then return true end\n" \
  "  end\n"                                                                               \
  "  return false\n"                                                                      \
  "end\n"

// ARGV: node, user id, username. Returns 1 when the user was online nowhere else.
inline constexpr const char* kJoin = CHATD_LUA_ELSEWHERE
    "redis.call('HSET', 'chatd:presence:' .. ARGV[1], ARGV[2], ARGV[3])\n"
    "if elsewhere(ARGV[1], ARGV[2]) then return 0 end\n"
    "return 1\n";

// ARGV: node, user id. Returns 1 when the user is now online nowhere.
inline constexpr const char* kLeave = CHATD_LUA_ELSEWHERE
    "redis.call('HDEL', 'chatd:presence:' .. ARGV[1], ARGV[2])\n"
    "if elsewhere(ARGV[1], ARGV[2]) then return 0 end\n"
    "return 1\n";

// ARGV: node, ttl ms, then user id, username pairs: replaces the node's registration with
// what it knows (after a reconnection, or when its registration expired). Returns
// {ids now online that were online nowhere, ids gone from this node and online nowhere}.
inline constexpr const char* kSync = CHATD_LUA_ELSEWHERE
    "local key = 'chatd:presence:' .. ARGV[1]\n"
    "local before = {}\n"
    "for _, uid in ipairs(redis.call('HKEYS', key)) do before[uid] = true end\n"
    "local fresh, now = {}, {}\n"
    "for i = 3, #ARGV, 2 do\n"
    "  now[ARGV[i]] = true\n"
    "  if not before[ARGV[i]] and not elsewhere(ARGV[1], ARGV[i]) then table.insert(fresh, "
    "ARGV[i]) end\n"
    "end\n"
    "local gone = {}\n"
    "for uid, _ in pairs(before) do\n"
    "  if not now[uid] and not elsewhere(ARGV[1], uid) then table.insert(gone, uid) end\n"
    "end\n"
    "redis.call('DEL', key)\n"
    "for i = 3, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end\n"
    "redis.call('SET', 'chatd:node:' .. ARGV[1], '1', 'PX', ARGV[2])\n"
    "redis.call('SADD', 'chatd:nodes', ARGV[1])\n"
    "return {fresh, gone}\n";

// ARGV: node, ttl ms. Refreshes the node's heartbeat and retires expired nodes. Returns
// {1 if this node's registration was still there else 0, ids of the retired nodes' users
// that are online nowhere now}.
inline constexpr const char* kHeartbeat = CHATD_LUA_ELSEWHERE
    "local had = redis.call('EXISTS', 'chatd:node:' .. ARGV[1])\n"
    "redis.call('SET', 'chatd:node:' .. ARGV[1], '1', 'PX', ARGV[2])\n"
    "redis.call('SADD', 'chatd:nodes', ARGV[1])\n"
    "local offline, seen = {}, {}\n"
    "for _, n in ipairs(redis.call('SMEMBERS', 'chatd:nodes')) do\n"
    "  if redis.call('EXISTS', 'chatd:node:' .. n) == 0 then\n"
    "    local users = redis.call('HKEYS', 'chatd:presence:' .. n)\n"
    "    redis.call('DEL', 'chatd:presence:' .. n)\n"
    "    redis.call('SREM', 'chatd:nodes', n)\n"
    "    for _, uid in ipairs(users) do\n"
    "      if not seen[uid] then\n"
    "        seen[uid] = true\n"
    "        if not elsewhere('', uid) then table.insert(offline, uid) end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {had, offline}\n";

// No arguments. Returns id, username pairs of the users on live nodes.
inline constexpr const char* kOnline =
    "local out, seen = {}, {}\n"
    "for _, n in ipairs(redis.call('SMEMBERS', 'chatd:nodes')) do\n"
    "  if redis.call('EXISTS', 'chatd:node:' .. n) == 1 then\n"
    "    local kv = redis.call('HGETALL', 'chatd:presence:' .. n)\n"
    "    for i = 1, #kv, 2 do\n"
    "      if not seen[kv[i]] then seen[kv[i]] = true; table.insert(out, kv[i]); table.insert(out, "
    "kv[i + 1]) end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return out\n";

// ARGV: user ids. For those whose state on the live nodes differs from the one last announced,
// records the new one as announced and returns id, 1 (online) or 0 pairs, in the order given.
inline constexpr const char* kSettle = CHATD_LUA_ELSEWHERE
    "local out = {}\n"
    "for i = 1, #ARGV do\n"
    "  local now = elsewhere('', ARGV[i])\n"
    "  if now ~= (redis.call('HEXISTS', 'chatd:announced', ARGV[i]) == 1) then\n"
    "    if now then redis.call('HSET', 'chatd:announced', ARGV[i], '1')\n"
    "    else redis.call('HDEL', 'chatd:announced', ARGV[i]) end\n"
    "    table.insert(out, ARGV[i])\n"
    "    table.insert(out, now and 1 or 0)\n"
    "  end\n"
    "end\n"
    "return out\n";

inline constexpr const char* kAnnouncedKey = "chatd:announced";

#undef CHATD_LUA_ELSEWHERE

}  // namespace chatd::cluster::scripts
