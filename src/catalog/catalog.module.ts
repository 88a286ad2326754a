import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Area } from './area.entity';
import { AreasController, CategoriesController } from './catalog.controller';
import { CatalogService } from './catalog.service';
import { Category } from './category.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Area, Category])],
  controllers: [AreasController, CategoriesController],
  providers: [CatalogService],
  exports: [CatalogService],
})
export class CatalogModule {}
