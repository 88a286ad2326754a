import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogModule } from '../catalog/catalog.module';
import { PersonalDataRegistry } from '../personal-data/personal-data-registry';
import { TicketsModule } from '../tickets/tickets.module';
import { DuplicateCheckWorker } from './duplicate-check.worker';
import { DuplicateFinderService } from './duplicate-finder.service';
import { RoutingRule } from './routing-rule.entity';
import { RoutingRulesController, TicketDuplicatesController } from './routing.controller';
import { RoutingRulesService } from './routing-rules.service';
import { TicketRoutingListener } from './ticket-routing.listener';

/** Category suggestion from keyword rules, transparency flagging and duplicate suggestions. */
@Module({
  imports: [TypeOrmModule.forFeature([RoutingRule]), TicketsModule, CatalogModule],
  controllers: [RoutingRulesController, TicketDuplicatesController],
  providers: [RoutingRulesService, DuplicateFinderService, TicketRoutingListener, DuplicateCheckWorker],
  exports: [RoutingRulesService, DuplicateFinderService, DuplicateCheckWorker],
})
export class RoutingModule {
  constructor(registry: PersonalDataRegistry) {
    registry.declareFreeOfPersonalData(['routing_rules'], 'keywords and categories written by staff');
    registry.declareFreeOfPersonalData(['duplicate_checks'], 'ticket ids waiting for their duplicate search');
  }
}
