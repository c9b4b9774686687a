// Wire ↔ domain for TagResource, UntagResource, ListTagsForResource.
import type { TagService } from '../domain/tags/service.js';
import type { HandlerTable } from '../server/pipeline.js';

export function tagHandlers(tags: TagService): HandlerTable {
  return {
    TagResource: async (ctx, input) => { await tags.tag(ctx.caller, input.ResourceArn, input.Tags); return {}; },
    UntagResource: async (ctx, input) => { await tags.untag(ctx.caller, input.ResourceArn, input.TagKeys); return {}; },
    ListTagsForResource: async (ctx, input) => ({ Tags: await tags.list(ctx.caller, input.ResourceArn) }),
  };
}
