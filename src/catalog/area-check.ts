import type { EntityManager } from 'typeorm';
import { Area } from './area.entity';
import { DomainError } from '../common/domain-error';

/** An area a ticket is turned over to must exist and be active (400 naming `areaId` otherwise). */
export async function assertActiveArea(manager: EntityManager, areaId: string): Promise<void> {
  const area = await manager.findOne(Area, { where: { id: areaId }, select: { id: true, active: true } });
  if (!area) throw new DomainError('VALIDATION', 'Unknown area', [{ field: 'areaId', errors: ['unknown area'] }]);
  if (!area.active) throw new DomainError('VALIDATION', 'Inactive area', [{ field: 'areaId', errors: ['the area is deactivated'] }]);
}
