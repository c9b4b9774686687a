// Osprey's extension operations: NOT part of AWS's Rekognition API nor of the botocore model. They are
// served on the same endpoint and pipeline (X-Amz-Target RekognitionService.<Operation>, AWS JSON 1.1,
// SigV4, identity policies), but kept out of `operations` so that the botocore comparison
// (test/api/model.test.ts) and `osprey rekognition` stay exactly AWS's. docs/export.md documents them.
import type { Operation, Shape } from './index.js';

/** Extension shapes; they may reference the botocore shapes by name (e.g. ProjectVersionArn). */
export const extensionShapes: Record<string, Shape> = {
  ExportProjectVersionRequest: { type: 'structure', required: ['ProjectVersionArn'], members: { ProjectVersionArn: { shape: 'ProjectVersionArn' } } },
  ExportProjectVersionResponse: {
    type: 'structure',
    members: { ProjectVersionArn: { shape: 'ProjectVersionArn' }, Format: { shape: 'OspreyExportFormat' }, Files: { shape: 'OspreyExportedFileList' } },
  },
  OspreyExportFormat: { type: 'string', enum: ['tfjs-layers-model'] },
  OspreyExportedFileList: { type: 'list', member: { shape: 'OspreyExportedFile' } },
  OspreyExportedFile: { type: 'structure', members: { Path: { shape: 'OspreyExportedFilePath' }, Content: { shape: 'OspreyExportedFileContent' } } },
  OspreyExportedFilePath: { type: 'string', min: 1, max: 255, pattern: '^[A-Za-z0-9._-]+$' },
  OspreyExportedFileContent: { type: 'blob' },
};

export const extensionOperations: Record<string, Operation> = {
  ExportProjectVersion: {
    name: 'ExportProjectVersion',
    input: 'ExportProjectVersionRequest',
    output: 'ExportProjectVersionResponse',
    errors: ['AccessDeniedException', 'InternalServerError', 'InvalidParameterException', 'ResourceNotFoundException', 'ResourceNotReadyException', 'ThrottlingException'],
  },
};

/**
 * Actions an identity policy grants only by naming them exactly (no `*`, `rekognition:*` or `rekognition:Export*`):
 * exporting hands the model itself out of the service, which a wildcard written before the extension existed
 * must not allow.
 */
export const EXPLICIT_ONLY_ACTIONS = new Set(['rekognition:ExportProjectVersion']);
