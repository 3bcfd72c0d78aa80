import type { UserState } from './user-store';

/**
 * A change of a user's state and the one event ZITADEL writes for it; `from` lists the states it
 * may start in, and any other is refused with `conflictMessage` (failed_precondition).
 */
export interface StateTransition {
  from: readonly UserState[];
  to: UserState;
  type: 'user.deactivated' | 'user.reactivated' | 'user.locked' | 'user.unlocked' | 'user.removed';
  conflictMessage: string;
}

export const STATE_TRANSITIONS = {
  deactivate: {
    from: ['active', 'locked'],
    to: 'inactive',
    type: 'user.deactivated',
    conflictMessage: 'User is already deactivated',
  },
  reactivate: {
    from: ['inactive'],
    to: 'active',
    type: 'user.reactivated',
    conflictMessage: 'User is not deactivated',
  },
  lock: {
    from: ['active'],
    to: 'locked',
    type: 'user.locked',
    conflictMessage: 'Only active users can be locked',
  },
  unlock: {
    from: ['locked'],
    to: 'active',
    type: 'user.unlocked',
    conflictMessage: 'User is not locked',
  },
  remove: {
    from: ['active', 'inactive', 'locked'],
    to: 'removed',
    type: 'user.removed',
    conflictMessage: 'User is already removed',
  },
} as const satisfies Record<string, StateTransition>;
