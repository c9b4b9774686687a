// The storage port for project policies. Invariants (name unique per project, at most N per
// project, revision compare-and-swap) are enforced by the store's database, not in-process.
export interface ProjectPolicyRecord {
  projectArn: string;
  name: string;
  revisionId: string;
  document: string;
  createdAt: Date;
  updatedAt: Date;
}

export type InsertPolicyResult = 'inserted' | 'exists' | 'full' | 'no-project';

export interface ProjectPolicyStore {
  /** Inserts revision 1 of a new name, only while the project has fewer than `max` policies. */
  insert(p: ProjectPolicyRecord, max: number): Promise<InsertPolicyResult>;
  /** Replaces the document only if the current revision is `expectedRevision` (CAS). */
  update(projectArn: string, name: string, expectedRevision: string, next: { revisionId: string; document: string; updatedAt: Date }): Promise<boolean>;
  /** Deletes; with `expectedRevision`, only if it is current. Returns whether a row went. */
  delete(projectArn: string, name: string, expectedRevision?: string): Promise<boolean>;
  get(projectArn: string, name: string): Promise<ProjectPolicyRecord | undefined>;
  /** Ordered by name; with `q.after`, only names that sort after it. */
  list(projectArn: string, q?: { after?: string; limit: number }): Promise<ProjectPolicyRecord[]>;
}
