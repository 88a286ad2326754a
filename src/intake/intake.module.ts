import { forwardRef, Module } from '@nestjs/common';
import { CitizensModule } from '../citizens/citizens.module';
import { TicketsModule } from '../tickets/tickets.module';
import { IntakeService } from './intake.service';

@Module({
  imports: [CitizensModule, forwardRef(() => TicketsModule)],
  providers: [IntakeService],
  exports: [IntakeService],
})
export class IntakeModule {}
