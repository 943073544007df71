// Users and profiles over REST: paging, sorting, search, shapes and validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startChatd, api, registerAndLogin } from '../lib/chatd.mjs';

let server;
let me;
const others = [];
before(async () => {
  server = await startChatd();
  me = await registerAndLogin(server, { full_name: 'Main Person' });
  for (let i = 0; i < 4; i++) others.push(await registerAndLogin(server, { full_name: `Zed Searchable ${i}` }));
});
after(async () => server.cleanup());

const get = (path, token = me.token) => api(server, 'GET', path, { token });

test('GET /api/users pages with meta and hides other users\' emails', async () => {
  const res = await get('/api/users?page=1&perPage=2');
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body).sort(), ['data', 'message', 'meta']);
  assert.equal(res.body.meta.totalItems, 5);
  assert.equal(res.body.meta.itemCount, 2);
  assert.equal(res.body.meta.itemsPerPage, 2);
  assert.equal(res.body.meta.currentPage, 1);
  assert.equal(res.body.meta.totalPages, 3);
  const all = (await get('/api/users?perPage=100')).body.data;
  assert.equal(all.length, 5);
  for (const u of all) {
    if (u.id === me.user.id) assert.equal(u.email, me.credentials.email);
    else assert.ok(!('email' in u), 'other users\' emails are hidden');
    assert.ok(!('password_hash' in u));
    assert.ok('profile' in u);
  }
  const last = await get('/api/users?page=3&perPage=2');
  assert.equal(last.body.data.length, 1);
});

test('users default to createdAt ascending; sortBy and sortOrder work', async () => {
  const asc = (await get('/api/users?perPage=100')).body.data.map((u) => u.id);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  const desc = (await get('/api/users?perPage=100&sortBy=createdAt&sortOrder=desc')).body.data.map((u) => u.id);
  assert.deepEqual(desc, [...asc].reverse());
  const byName = (await get('/api/users?perPage=100&sortBy=username')).body.data.map((u) => u.username);
  assert.deepEqual(byName, [...byName].sort());
  const byEmail = await get('/api/users?perPage=100&sortBy=email&sortOrder=desc');
  assert.equal(byEmail.status, 200);
});

test('q searches username and full_name case-insensitively', async () => {
  const res = await get('/api/users?q=zed%20SEARCHABLE');
  assert.equal(res.status, 200);
  assert.equal(res.body.meta.totalItems, 4);
  const one = await get(`/api/users?q=${encodeURIComponent(others[2].user.username.toUpperCase())}`);
  assert.equal(one.body.data.length, 1);
  assert.equal(one.body.data[0].id, others[2].user.id);
  const injection = await get(`/api/users?q=${encodeURIComponent("' OR 1=1 --")}`);
  assert.equal(injection.status, 200);
  assert.equal(injection.body.meta.totalItems, 0);
  const wildcard = await get(`/api/users?q=${encodeURIComponent('%')}`);
  assert.equal(wildcard.body.meta.totalItems, 0, 'LIKE wildcards are matched literally');
});

test('bad query parameters are 400 with a clear message', async () => {
  for (const q of ['perPage=0', 'perPage=101', 'page=0', 'page=abc', 'sortBy=password', 'sortOrder=up', 'perPage=1.5']) {
    const res = await get('/api/users?' + q);
    assert.equal(res.status, 400, q);
    assert.equal(res.body.statusCode, 400);
    assert.equal(typeof res.body.message, 'string');
  }
});

test('GET /api/users/:userId: found, 404, 400 for non-numeric', async () => {
  const res = await get(`/api/users/${others[0].user.id}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.success, true);
  assert.equal(res.body.data.id, others[0].user.id);
  assert.equal(res.body.data.profile.full_name, 'Zed Searchable 0');
  assert.ok(!('email' in res.body.data));
  const missing = await get('/api/users/999999');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'User not found');
  assert.equal((await get('/api/users/abc')).status, 400);
  assert.equal((await get('/api/users/-1')).status, 400);
  assert.equal((await get('/api/users/99999999999999999999999')).status, 400);
});

test('GET /api/profile returns the caller with email and profile', async () => {
  const res = await get('/api/profile');
  assert.equal(res.status, 200);
  assert.equal(res.body.data.id, me.user.id);
  assert.equal(res.body.data.email, me.credentials.email);
  assert.equal(res.body.data.profile.full_name, 'Main Person');
});

test('PUT /api/profile/update returns the updated user; validation errors are listed', async () => {
  const res = await api(server, 'PUT', '/api/profile/update', {
    token: me.token,
    body: { full_name: 'New Name', location: 'Paris', age: 41 },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.data.profile.full_name, 'New Name');
  assert.equal(res.body.data.profile.location, 'Paris');
  assert.equal(res.body.data.profile.age, 41);
  const partial = await api(server, 'PUT', '/api/profile/update', { token: me.token, body: { age: '42' } });
  assert.equal(partial.body.data.profile.age, 42);
  assert.equal(partial.body.data.profile.full_name, 'New Name');
  const bad = await api(server, 'PUT', '/api/profile/update', {
    token: me.token,
    body: { age: -3, location: 12, full_name: 'x'.repeat(101) },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.message.length, 3);
  const wrongType = await api(server, 'PUT', '/api/profile/update', { token: me.token, body: '"text"' });
  assert.equal(wrongType.status, 400);
  assert.equal((await api(server, 'PUT', '/api/profile/update', { body: { age: 1 } })).status, 401);
});
