// Who may do what in a group (docs/rest.md, "Groups"), from the group's record as the store
// keeps it: the views show only the actions the server would accept. Pure: no DOM, no socket.

export const ROLE_LABELS = { owner: 'Owner', admin: 'Admin', member: 'Member' };

// The caller's role: from the member list, or the owner id while the list is not fetched.
export function roleOf(group, userId) {
  const member = group?.members?.find((m) => m.id === userId);
  if (member) return member.role;
  return group?.ownerId != null && group.ownerId === userId ? 'owner' : null;
}

// Renaming, the topic and adding members: the owner and admins.
export function canManage(group, userId) {
  const role = roleOf(group, userId);
  return role === 'owner' || role === 'admin';
}

// Removing someone else: the owner removes anyone, an admin removes members (leaving oneself is
// always allowed, and is not this).
export function canRemove(group, userId, member) {
  if (member.id === userId) return false;
  const role = roleOf(group, userId);
  return role === 'owner' || (role === 'admin' && member.role === 'member');
}

// "3 members", and the topic when there is one.
export function groupSummary(group) {
  const n = group?.memberCount ?? group?.members?.length ?? 0;
  const count = n === 1 ? '1 member' : `${n} members`;
  return group?.topic ? `${count} · ${group.topic}` : count;
}
