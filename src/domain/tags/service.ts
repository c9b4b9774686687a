// Tags on projects, model versions and datasets.
import { ResourceNotFound, ServiceQuotaExceeded } from '../../protocol/errors.js';
import type { TagStore } from '../../storage/ports.js';
import { parseArn } from '../shared/arn.js';
import { assertOwned } from '../shared/access.js';
import type { Caller } from '../shared/scope.js';

export class TagService {
  constructor(private readonly deps: { tags: TagStore; maxTagsPerResource: number }) {}

  private async resolve(caller: Caller, arn: string, action: string): Promise<void> {
    const parsed = parseArn(arn);
    if (!parsed) throw ResourceNotFound(`The resource ${arn} does not exist.`);
    assertOwned(caller, parsed, action, arn);
    if (!(await this.deps.tags.resourceExists(arn))) throw ResourceNotFound(`The resource ${arn} does not exist.`);
  }

  async tag(caller: Caller, arn: string, tags: Record<string, string>): Promise<void> {
    await this.resolve(caller, arn, 'TagResource');
    // The count and the write are one transaction in the store, so concurrent TagResource calls
    // (on any node) cannot together pass the quota.
    if (!(await this.deps.tags.putWithin(arn, tags, this.deps.maxTagsPerResource))) {
      throw ServiceQuotaExceeded(`A resource can have at most ${this.deps.maxTagsPerResource} tags; this request would leave more.`);
    }
  }

  async untag(caller: Caller, arn: string, keys: string[]): Promise<void> {
    await this.resolve(caller, arn, 'UntagResource');
    await this.deps.tags.remove(arn, keys);
  }

  async list(caller: Caller, arn: string): Promise<Record<string, string>> {
    await this.resolve(caller, arn, 'ListTagsForResource');
    return this.deps.tags.get(arn);
  }

  /** Tags given at creation time (CreateProject, CreateDataset, …), checked against the same quota. */
  checkInitial(tags: Record<string, string> | undefined): void {
    if (tags && Object.keys(tags).length > this.deps.maxTagsPerResource) {
      throw ServiceQuotaExceeded(`A resource can have at most ${this.deps.maxTagsPerResource} tags.`);
    }
  }

  async initial(arn: string, tags: Record<string, string> | undefined): Promise<void> {
    this.checkInitial(tags);
    if (tags && Object.keys(tags).length > 0) await this.deps.tags.put(arn, tags);
  }
}
