// The project-policy store port lives with every other port in storage/ports.ts.
export type { InsertPolicyResult, ProjectPolicyRecord, ProjectPolicyStore } from '../../storage/ports.js';
