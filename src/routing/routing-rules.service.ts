import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { CatalogService } from '../catalog/catalog.service';
import { Category } from '../catalog/category.entity';
import { DomainError, notFound } from '../common/domain-error';
import { CreateRoutingRuleDto, UpdateRoutingRuleDto } from './dto/routing-rule.dto';
import { KeywordRule, suggestCategory } from './keyword-matcher';
import { OTHER_CATEGORY_CODE } from './other-category';
import { RoutingRule } from './routing-rule.entity';

/**
 * How long another instance's rule or category edit may take to reach this one. Every ticket
 * created reads the rules: caching them saves two queries per new ticket (the intake's hot path).
 */
export const ROUTING_CACHE_MS = 5_000;

interface RoutingSnapshot {
  rules: KeywordRule[];
  categories: Map<string, Category>;
  loadedAt: number;
  catalogVersion: number;
}

/** The admin-editable keyword rules, and the suggestion they give for a text. */
@Injectable()
export class RoutingRulesService {
  private snapshot: RoutingSnapshot | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: CatalogService,
  ) {}

  /**
   * The active rules (those of active categories, and the transparency ones) and all categories,
   * cached for ROUTING_CACHE_MS (edits through this instance apply at once). A stale cache is
   * reloaded through the caller's own connection: asking the pool for a second one while many
   * creations hold theirs could wait for ever.
   */
  private async current(manager: EntityManager): Promise<RoutingSnapshot> {
    const s = this.snapshot;
    if (s && s.catalogVersion === this.catalog.version && Date.now() - s.loadedAt < ROUTING_CACHE_MS) return s;
    const catalogVersion = this.catalog.version;
    const rows = await manager.find(RoutingRule, { where: { active: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    const categories = await manager.find(Category);
    const byId = new Map(categories.map((c) => [c.id, c]));
    const snapshot: RoutingSnapshot = {
      // a deactivated category is offered to nobody: its rules are skipped (kept, for when it comes back)
      rules: rows
        .filter((r) => r.kind === 'transparency' || byId.get(r.categoryId ?? '')?.active)
        .map((r) => ({ id: r.id, keyword: r.keyword, kind: r.kind, categoryId: r.categoryId, weight: r.weight, categoryCode: byId.get(r.categoryId ?? '')?.code ?? null })),
      categories: byId,
      loadedAt: Date.now(),
      catalogVersion,
    };
    this.snapshot = snapshot;
    return snapshot;
  }

  /** Forget the cached rules and categories (after an edit through this instance). */
  invalidate(): void {
    this.snapshot = null;
  }

  async activeRules(manager: EntityManager = this.dataSource.manager): Promise<KeywordRule[]> {
    return (await this.current(manager)).rules;
  }

  async suggest(manager: EntityManager, text: string) {
    const snapshot = await this.current(manager);
    const suggestion = suggestCategory(text, snapshot.rules);
    let category = suggestion.categoryId ? (snapshot.categories.get(suggestion.categoryId) ?? null) : null;
    // a category created after the snapshot: read it (and refresh the cache next time)
    if (suggestion.categoryId && !category) {
      category = await manager.findOne(Category, { where: { id: suggestion.categoryId } });
      this.invalidate();
    }
    if (category && !category.active) return { suggestion: { ...suggestion, categoryId: null, score: 0, matched: [] }, category: null };
    return { suggestion, category };
  }

  /** The catch-all category whose targets uncategorised tickets are held to (null if it was removed). */
  async otherCategory(manager: EntityManager): Promise<Category | null> {
    const snapshot = await this.current(manager);
    for (const c of snapshot.categories.values()) if (c.code === OTHER_CATEGORY_CODE) return c;
    return null;
  }

  async tryText(text: string) {
    const { suggestion, category } = await this.suggest(this.dataSource.manager, text);
    return {
      category: category ? { id: category.id, code: category.code, name: category.name, areaId: category.areaId } : null,
      score: suggestion.score,
      matched: suggestion.matched,
      transparency: suggestion.transparency,
      transparencyMatched: suggestion.transparencyMatched,
    };
  }

  list() {
    return this.dataSource.getRepository(RoutingRule).find({ order: { keyword: 'ASC', id: 'ASC' } });
  }

  async create(dto: CreateRoutingRuleDto) {
    const rule = this.dataSource.getRepository(RoutingRule).create({
      keyword: dto.keyword,
      kind: dto.kind ?? 'category',
      categoryId: dto.categoryId ?? null,
      weight: dto.weight ?? 1,
      active: dto.active ?? true,
    });
    await this.check(rule, true);
    return this.save(rule);
  }

  async update(id: string, dto: UpdateRoutingRuleDto) {
    const rule = await this.dataSource.getRepository(RoutingRule).findOne({ where: { id } });
    if (!rule) throw notFound('Routing rule');
    const categoryBefore = rule.categoryId;
    if (dto.kind === 'transparency' && dto.categoryId === undefined) rule.categoryId = null;
    Object.assign(rule, dto);
    // editing (or switching off) a rule of a category deactivated since is fine; pointing a rule at one is not
    await this.check(rule, rule.categoryId !== categoryBefore);
    return this.save(rule);
  }

  private async check(rule: RoutingRule, newCategory: boolean) {
    if (rule.kind === 'category') {
      if (!rule.categoryId) throw new DomainError('VALIDATION', 'A category rule needs a category', [{ field: 'categoryId', errors: ['required for kind=category'] }]);
      const category = await this.dataSource.getRepository(Category).findOne({ where: { id: rule.categoryId } });
      if (!category) throw new DomainError('VALIDATION', 'Unknown category', [{ field: 'categoryId', errors: ['unknown category'] }]);
      if (newCategory && !category.active) {
        throw new DomainError('VALIDATION', 'Inactive category', [{ field: 'categoryId', errors: [`category ${category.code} is inactive`] }]);
      }
    } else if (rule.categoryId) {
      throw new DomainError('VALIDATION', 'A transparency rule has no category', [{ field: 'categoryId', errors: ['must be empty for kind=transparency'] }]);
    }
  }

  private async save(rule: RoutingRule) {
    try {
      const saved = await this.dataSource.getRepository(RoutingRule).save(rule);
      this.invalidate();
      return saved;
    } catch (err) {
      if (err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === '23505') {
        throw new DomainError('CONFLICT', 'That keyword already has a rule for this target');
      }
      throw err;
    }
  }
}
