import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { Category } from '../catalog/category.entity';
import { DomainError, notFound } from '../common/domain-error';
import { CreateRoutingRuleDto, UpdateRoutingRuleDto } from './dto/routing-rule.dto';
import { KeywordRule, suggestCategory } from './keyword-matcher';
import { RoutingRule } from './routing-rule.entity';

/** The admin-editable keyword rules, and the suggestion they give for a text. */
@Injectable()
export class RoutingRulesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async activeRules(manager: EntityManager): Promise<KeywordRule[]> {
    const rows = await manager.find(RoutingRule, { where: { active: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((r) => ({ id: r.id, keyword: r.keyword, kind: r.kind, categoryId: r.categoryId, weight: r.weight }));
  }

  async suggest(manager: EntityManager, text: string) {
    const suggestion = suggestCategory(text, await this.activeRules(manager));
    const category = suggestion.categoryId ? await manager.findOne(Category, { where: { id: suggestion.categoryId } }) : null;
    return { suggestion, category };
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
    await this.check(rule);
    return this.save(rule);
  }

  async update(id: string, dto: UpdateRoutingRuleDto) {
    const rule = await this.dataSource.getRepository(RoutingRule).findOne({ where: { id } });
    if (!rule) throw notFound('Routing rule');
    if (dto.kind === 'transparency' && dto.categoryId === undefined) rule.categoryId = null;
    Object.assign(rule, dto);
    await this.check(rule);
    return this.save(rule);
  }

  private async check(rule: RoutingRule) {
    if (rule.kind === 'category') {
      if (!rule.categoryId) throw new DomainError('VALIDATION', 'A category rule needs a category', [{ field: 'categoryId', errors: ['required for kind=category'] }]);
      if (!(await this.dataSource.getRepository(Category).exists({ where: { id: rule.categoryId } }))) {
        throw new DomainError('VALIDATION', 'Unknown category', [{ field: 'categoryId', errors: ['unknown category'] }]);
      }
    } else if (rule.categoryId) {
      throw new DomainError('VALIDATION', 'A transparency rule has no category', [{ field: 'categoryId', errors: ['must be empty for kind=transparency'] }]);
    }
  }

  private async save(rule: RoutingRule) {
    try {
      return await this.dataSource.getRepository(RoutingRule).save(rule);
    } catch (err) {
      if (err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === '23505') {
        throw new DomainError('CONFLICT', 'That keyword already has a rule for this target');
      }
      throw err;
    }
  }
}
