import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { DomainError, notFound } from '../common/domain-error';
import { OTHER_CATEGORY_CODE } from '../routing/other-category';
import type { UserRole } from '../users/user-role';
import { assertActiveArea } from './area-check';
import { Area } from './area.entity';
import { Category } from './category.entity';
import { CreateAreaDto, CreateCategoryDto, UpdateAreaDto, UpdateCategoryDto } from './dto/catalog.dto';

/** PostgreSQL unique_violation: on areas and categories that is the code (their only unique column) */
const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '23505';

/** the column defaults of categories.first_response_days / resolution_days (Category entity) */
const DEFAULT_FIRST_RESPONSE_DAYS = 5;
const DEFAULT_RESOLUTION_DAYS = 40;

const codeTaken = (what: 'Area' | 'Category', code: string) =>
  new DomainError('CONFLICT', `${what} code ${code} already exists`, [{ field: 'code', errors: ['already in use'] }]);

/** The first response cannot be due after the resolution. */
function checkSlaOrder(firstResponseDays: number, resolutionDays: number): void {
  if (firstResponseDays > resolutionDays) {
    throw new DomainError('VALIDATION', `firstResponseDays (${firstResponseDays}) cannot exceed resolutionDays (${resolutionDays})`, [
      { field: 'firstResponseDays', errors: [`must not be greater than resolutionDays (${resolutionDays})`] },
    ]);
  }
}

@Injectable()
export class CatalogService {
  /** Bumped on every area or category edit through this instance: caches of the catalogue compare it. */
  version = 0;

  constructor(
    @InjectRepository(Area) private readonly areas: Repository<Area>,
    @InjectRepository(Category) private readonly categories: Repository<Category>,
  ) {}

  listAreas() {
    return this.areas.find({ order: { name: 'ASC' } });
  }

  async getArea(id: string) {
    const area = await this.areas.findOne({ where: { id } });
    if (!area) throw notFound('Area');
    return area;
  }

  async createArea(dto: CreateAreaDto) {
    if (await this.areas.exists({ where: { code: dto.code } })) throw codeTaken('Area', dto.code);
    return this.bumped(this.areas.save(this.areas.create({ ...dto, supervisorEmail: dto.supervisorEmail ?? null })), 'Area', dto.code);
  }

  async updateArea(id: string, dto: UpdateAreaDto) {
    const area = await this.getArea(id);
    if (dto.code && dto.code !== area.code && (await this.areas.exists({ where: { code: dto.code } })))
      throw codeTaken('Area', dto.code);
    if (dto.active === false && area.active) {
      // keyword routing turns tickets over to a category's area: those categories move first
      const routed = await this.categories.count({ where: { areaId: area.id, active: true } });
      if (routed) {
        throw new DomainError('CONFLICT', `${routed} active categor${routed === 1 ? 'y routes' : 'ies route'} to this area: move or deactivate them first`, [
          { field: 'active', errors: ['active categories route to this area'] },
        ]);
      }
    }
    Object.assign(area, dto);
    return this.bumped(this.areas.save(area), 'Area', area.code);
  }

  listCategories() {
    return this.categories.find({ order: { name: 'ASC' } });
  }

  async getCategory(id: string) {
    const category = await this.categories.findOne({ where: { id } });
    if (!category) throw notFound('Category');
    return category;
  }

  async createCategory(dto: CreateCategoryDto) {
    if (await this.categories.exists({ where: { code: dto.code } }))
      throw codeTaken('Category', dto.code);
    // a category routes to its area: it must exist and be active (400 naming areaId)
    if (dto.areaId) await assertActiveArea(this.areas.manager, dto.areaId);
    checkSlaOrder(dto.firstResponseDays ?? DEFAULT_FIRST_RESPONSE_DAYS, dto.resolutionDays ?? DEFAULT_RESOLUTION_DAYS);
    return this.bumped(this.categories.save(this.categories.create({ ...dto, areaId: dto.areaId ?? null })), 'Category', dto.code);
  }

  async updateCategory(id: string, dto: UpdateCategoryDto, role: UserRole = 'admin') {
    const slaFields = ['acceptDays', 'firstResponseDays', 'resolutionDays'];
    const other = Object.keys(dto).filter((k) => !slaFields.includes(k) && dto[k as keyof UpdateCategoryDto] !== undefined);
    if (role !== 'admin' && other.length) {
      throw new DomainError('FORBIDDEN', `Supervisors may only change service-level targets (${slaFields.join(', ')}); not ${other.join(', ')}`);
    }
    const category = await this.getCategory(id);
    if (category.code === OTHER_CATEGORY_CODE) {
      // the catch-all category is looked up by its code (routing, the SLA of uncategorised tickets)
      if (dto.code !== undefined && dto.code !== OTHER_CATEGORY_CODE) {
        throw new DomainError('VALIDATION', `The code of the catch-all category '${OTHER_CATEGORY_CODE}' cannot be changed`, [
          { field: 'code', errors: ['the catch-all category keeps its code'] },
        ]);
      }
      if (dto.active === false) {
        throw new DomainError('VALIDATION', `The catch-all category '${OTHER_CATEGORY_CODE}' cannot be deactivated`, [
          { field: 'active', errors: ['the catch-all category stays active'] },
        ]);
      }
    }
    // a category routes to its area: it must exist and be active (400 naming areaId)
    if (dto.areaId) await assertActiveArea(this.areas.manager, dto.areaId);
    if (dto.code && dto.code !== category.code && (await this.categories.exists({ where: { code: dto.code } })))
      throw codeTaken('Category', dto.code);
    checkSlaOrder(dto.firstResponseDays ?? category.firstResponseDays, dto.resolutionDays ?? category.resolutionDays);
    Object.assign(category, dto);
    return this.bumped(this.categories.save(category), 'Category', category.code);
  }

  /** The exists() checks do not see a concurrent create or rename to the same code: the unique key does (409, not 500). */
  private async bumped<T>(saving: Promise<T>, what: 'Area' | 'Category', code: string): Promise<T> {
    const saved = await saving.catch((err: unknown) => {
      throw isUniqueViolation(err) ? codeTaken(what, code) : err;
    });
    this.version += 1;
    return saved;
  }
}
