import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PersonalDataRegistry } from '../personal-data/personal-data-registry';
import { TicketsModule } from '../tickets/tickets.module';
import { DuplicateFinderService } from './duplicate-finder.service';
import { RoutingRule } from './routing-rule.entity';
import { RoutingRulesController, TicketDuplicatesController } from './routing.controller';
import { RoutingRulesService } from './routing-rules.service';
import { TicketRoutingListener } from './ticket-routing.listener';

/** Category suggestion from keyword rules, transparency flagging and duplicate suggestions. */
@Module({
  imports: [TypeOrmModule.forFeature([RoutingRule]), TicketsModule],
  controllers: [RoutingRulesController, TicketDuplicatesController],
  providers: [RoutingRulesService, DuplicateFinderService, TicketRoutingListener],
  exports: [RoutingRulesService, DuplicateFinderService],
})
export class RoutingModule {
  constructor(registry: PersonalDataRegistry) {
    registry.declareFreeOfPersonalData(['routing_rules'], 'keywords and categories written by staff');
  }
}
