import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CitizenIdentity } from './citizen-identity.entity';
import { Citizen } from './citizen.entity';
import { CitizensController } from './citizens.controller';
import { CitizensService } from './citizens.service';

@Module({
  imports: [TypeOrmModule.forFeature([Citizen, CitizenIdentity])],
  controllers: [CitizensController],
  providers: [CitizensService],
  exports: [CitizensService],
})
export class CitizensModule {}
