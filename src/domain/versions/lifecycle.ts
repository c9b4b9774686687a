// The one place that says which ProjectVersionStatus may follow which (spec §4.4).
export type VersionStatus =
  | 'TRAINING_IN_PROGRESS' | 'TRAINING_COMPLETED' | 'TRAINING_FAILED'
  | 'STARTING' | 'RUNNING' | 'FAILED' | 'STOPPING' | 'STOPPED' | 'DELETING'
  | 'COPYING_IN_PROGRESS' | 'COPYING_COMPLETED' | 'COPYING_FAILED'
  | 'DEPRECATED' | 'EXPIRED';

const HOSTABLE: VersionStatus[] = ['TRAINING_COMPLETED', 'COPYING_COMPLETED', 'STOPPED', 'FAILED'];

export const TRANSITIONS: Record<VersionStatus, VersionStatus[]> = {
  TRAINING_IN_PROGRESS: ['TRAINING_COMPLETED', 'TRAINING_FAILED'],
  COPYING_IN_PROGRESS: ['COPYING_COMPLETED', 'COPYING_FAILED'],
  TRAINING_COMPLETED: ['STARTING', 'DELETING'],
  COPYING_COMPLETED: ['STARTING', 'DELETING'],
  STOPPED: ['STARTING', 'DELETING'],
  FAILED: ['STARTING', 'DELETING'],
  TRAINING_FAILED: ['DELETING'],
  COPYING_FAILED: ['DELETING'],
  STARTING: ['RUNNING', 'FAILED', 'STOPPING'],
  RUNNING: ['STOPPING', 'FAILED'],
  STOPPING: ['STOPPED'],
  DELETING: [],
  DEPRECATED: ['DELETING'],
  EXPIRED: ['DELETING'],
};

/** The statuses from which `to` may be entered. */
export function allowedFrom(to: VersionStatus): VersionStatus[] {
  return (Object.keys(TRANSITIONS) as VersionStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}

export function canTransition(from: VersionStatus, to: VersionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses a model can be started from. */
export const STARTABLE = HOSTABLE;

/** Statuses whose model may be copied (docs/copy.md explains the choice). */
export const COPYABLE: VersionStatus[] = ['TRAINING_COMPLETED', 'COPYING_COMPLETED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED'];

/** Statuses in which work is under way and the version must not be deleted. */
export const BUSY: VersionStatus[] = ['TRAINING_IN_PROGRESS', 'COPYING_IN_PROGRESS', 'STARTING', 'RUNNING', 'STOPPING', 'DELETING'];
