// Wire ↔ domain for ExportProjectVersion (an Osprey extension operation, api/extensions.ts).
import type { ExportService } from '../domain/versions/export.js';
import type { HandlerTable } from '../server/pipeline.js';

export function exportHandlers(exports: ExportService): HandlerTable {
  return {
    ExportProjectVersion: async (ctx, input) => {
      const r = await exports.export(ctx.caller, input.ProjectVersionArn);
      return { ProjectVersionArn: input.ProjectVersionArn, Format: r.format, Files: r.files.map((f) => ({ Path: f.path, Content: f.bytes })) };
    },
  };
}
