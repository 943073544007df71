// Typing indicators (web/app/chat/typing.js) on a hand-driven clock: when we tell the server we
// type (first key, a refresh every 2.5 s while keys come, off after 3 s without one, on
// send/empty box/another conversation), and whose indicator shows where, until when.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypingSender, TypingPeers, typingText, typingTarget, typingConversation } from '../../web/app/chat/typing.js';
import { PUBLIC, directId, groupConversationId } from '../../web/app/chat/ids.js';
import { BOB, CAROL, signedIn } from './fixtures.mjs';

// A clock whose timers fire only when the test advances it.
function fakeClock() {
  let now = 0;
  let next = 1;
  const timers = new Map(); // handle → {at, fn}
  return {
    now: () => now,
    setTimer(fn, ms) {
      const handle = next++;
      timers.set(handle, { at: now + ms, fn });
      return handle;
    },
    clearTimer(handle) {
      timers.delete(handle);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    get pending() {
      return timers.size;
    },
  };
}

function sender() {
  const clock = fakeClock();
  const sent = [];
  const { now, setTimer, clearTimer } = clock;
  const typing = new TypingSender({ send: (target, on) => sent.push({ at: clock.now(), ...target, on }), now, setTimer, clearTimer });
  return { clock, sent, typing };
}

function conversations() {
  const { store } = signedIn();
  return {
    room: store.conversation(PUBLIC),
    bob: store.conversation(directId(BOB.id)),
    group: store.conversation(groupConversationId(7)),
  };
}

test('the payload names the conversation: peerId, groupId or the public room', () => {
  const { room, bob, group } = conversations();
  assert.deepEqual(typingTarget(room), { room: 'public' });
  assert.deepEqual(typingTarget(bob), { peerId: BOB.id });
  assert.deepEqual(typingTarget(group), { groupId: 7 });
});

test('keys pressed for 8 s: on at the first, refreshed every 2.5 s, never more often', () => {
  const { clock, sent, typing } = sender();
  const { room } = conversations();
  for (let t = 0; t <= 8000; t += 200) {
    clock.advance(t - clock.now());
    typing.input(room, 'hello'.slice(0, 1 + (t % 5)));
  }
  assert.deepEqual(sent.map((s) => s.at), [0, 2600, 5200, 7800], 'the first key, then the first key 2.5 s or more after the last on');
  assert.ok(sent.every((s) => s.on === true && s.room === 'public'));
  const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
  assert.ok(gaps.every((g) => g < 5000), `within the server's 5 s: ${gaps}`);
});

test('3 s without a key: off, once; the next key starts again with an on at once', () => {
  const { clock, sent, typing } = sender();
  const { bob } = conversations();
  typing.input(bob, 'h');
  clock.advance(1000);
  typing.input(bob, 'hi');
  clock.advance(2999);
  assert.deepEqual(sent.map((s) => s.on), [true], 'not idle yet: 3 s after the last key, not the first');
  clock.advance(1);
  assert.deepEqual(sent.map((s) => [s.at, s.peerId, s.on]), [[0, BOB.id, true], [4000, BOB.id, false]]);
  clock.advance(10000);
  assert.equal(sent.length, 2, 'said once');
  typing.input(bob, 'hi!');
  assert.deepEqual(sent.at(-1), { at: 14000, peerId: BOB.id, on: true });
});

test('off at once when the box is emptied or stop() (a send), nothing when we were not typing', () => {
  const { clock, sent, typing } = sender();
  const { group } = conversations();
  typing.stop();
  typing.input(group, '   ');
  assert.deepEqual(sent, [], 'blank text is not typing');
  typing.input(group, 'a');
  clock.advance(500);
  typing.input(group, '');
  assert.deepEqual(sent.map((s) => [s.at, s.groupId, s.on]), [[0, 7, true], [500, 7, false]]);
  typing.input(group, 'again');
  typing.stop();
  typing.stop();
  assert.deepEqual(sent.slice(2).map((s) => s.on), [true, false]);
  assert.equal(clock.pending, 0, 'no idle timer left behind');
});

test('typing in another conversation ends the first one before the new on', () => {
  const { sent, typing } = sender();
  const { room, bob } = conversations();
  typing.input(room, 'a');
  typing.input(bob, 'b');
  assert.deepEqual(sent.map(({ room: r, peerId, on }) => [r ?? peerId, on]), [['public', true], ['public', false], [BOB.id, true]]);
});

test('forget(): the connection went, nothing is said, the next key is a fresh on', () => {
  const { clock, sent, typing } = sender();
  const { room } = conversations();
  typing.input(room, 'a');
  typing.forget();
  clock.advance(10000);
  assert.equal(sent.length, 1, 'no off after a forget');
  typing.input(room, 'ab');
  assert.deepEqual(sent.map((s) => s.on), [true, true]);
});

test('which conversation an event is about', () => {
  assert.equal(typingConversation({ userId: 2, username: 'bob', on: true }), directId(2));
  assert.equal(typingConversation({ userId: 2, on: true, groupId: 9 }), groupConversationId(9));
  assert.equal(typingConversation({ userId: 2, on: true, room: 'public' }), PUBLIC);
  assert.equal(typingConversation({ userId: 2, on: true, room: 'lobby' }), null);
  assert.equal(typingConversation({ userId: 'x', on: true }), null);
  assert.equal(typingConversation({ userId: 2, on: true, groupId: -1 }), null);
  assert.equal(typingConversation(null), null);
});

test('the line: one, two, several', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['alice']), 'alice is typing…');
  assert.equal(typingText(['alice', 'bob']), 'alice and bob are typing…');
  assert.equal(typingText(['alice', 'bob', 'carol']), 'Several people are typing…');
});

function peers() {
  const clock = fakeClock();
  const changed = [];
  const { now, setTimer, clearTimer } = clock;
  const typers = new TypingPeers({ onChange: (id) => changed.push(id), now, setTimer, clearTimer });
  return { clock, changed, typers };
}

test('a peer types in the open conversation only, in the order they started', () => {
  const { typers } = peers();
  assert.equal(typers.apply({ userId: BOB.id, username: 'bob', on: true, room: 'public' }), PUBLIC);
  assert.equal(typers.apply({ userId: CAROL.id, username: 'carol', on: true, room: 'public' }), PUBLIC);
  assert.equal(typers.apply({ userId: BOB.id, username: 'bob', on: true, room: 'public' }), null, 'a refresh changes nothing shown');
  assert.equal(typers.apply({ userId: BOB.id, username: 'bob', on: true }), directId(BOB.id));
  assert.deepEqual(typers.names(PUBLIC), ['bob', 'carol']);
  assert.deepEqual(typers.names(directId(BOB.id)), ['bob']);
  assert.deepEqual(typers.names(groupConversationId(1)), []);
  assert.equal(typers.apply({ userId: BOB.id, on: 'yes', room: 'public' }), null, 'a malformed event is ignored');
});

test("a peer's indicator runs out 6 s after its last on; a refresh extends it", () => {
  const { clock, changed, typers } = peers();
  const on = { userId: BOB.id, username: 'bob', on: true, groupId: 4 };
  const g = groupConversationId(4);
  typers.apply(on);
  clock.advance(5000);
  typers.apply(on);
  clock.advance(5999);
  assert.deepEqual(typers.names(g), ['bob'], '11 s after the first on, 5.999 s after the refresh');
  assert.deepEqual(changed, []);
  clock.advance(1);
  assert.deepEqual(typers.names(g), []);
  assert.deepEqual(changed, [g], 'told once, by itself');
  assert.equal(clock.pending, 0);
});

test("off, or their message, ends it at once; someone else's message does not", () => {
  const { clock, changed, typers } = peers();
  typers.apply({ userId: BOB.id, username: 'bob', on: true, room: 'public' });
  typers.apply({ userId: CAROL.id, username: 'carol', on: true, room: 'public' });
  assert.equal(typers.messageFrom(PUBLIC, 99), false);
  assert.equal(typers.messageFrom(directId(BOB.id), BOB.id), false, 'a message elsewhere');
  assert.equal(typers.messageFrom(PUBLIC, BOB.id), true);
  assert.deepEqual(typers.names(PUBLIC), ['carol']);
  assert.equal(typers.apply({ userId: CAROL.id, username: 'carol', on: false, room: 'public' }), PUBLIC);
  assert.equal(typers.apply({ userId: CAROL.id, username: 'carol', on: false, room: 'public' }), null, 'a second off changes nothing');
  assert.deepEqual(typers.names(PUBLIC), []);
  assert.equal(clock.pending, 0, 'their timers went with them');
  clock.advance(10000);
  assert.deepEqual(changed, []);
});

test('clear(): everyone, with their timers (the connection went)', () => {
  const { clock, changed, typers } = peers();
  typers.apply({ userId: BOB.id, username: 'bob', on: true });
  typers.apply({ userId: CAROL.id, username: 'carol', on: true, groupId: 3 });
  typers.clear();
  assert.deepEqual(typers.names(directId(BOB.id)), []);
  assert.equal(clock.pending, 0);
  clock.advance(10000);
  assert.deepEqual(changed, []);
});
