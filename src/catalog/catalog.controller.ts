import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { ALL_ROLES } from '../users/user-role';
import { CatalogService } from './catalog.service';
import { CreateAreaDto, CreateCategoryDto, UpdateAreaDto, UpdateCategoryDto } from './dto/catalog.dto';

@ApiTags('areas')
@ApiBearerAuth()
@Controller('areas')
export class AreasController {
  constructor(private readonly catalog: CatalogService) {}

  @Get() @Roles(...ALL_ROLES)
  list() {
    return this.catalog.listAreas();
  }

  @Get(':id') @Roles(...ALL_ROLES)
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.catalog.getArea(id);
  }

  @Post() @Roles('admin')
  create(@Body() dto: CreateAreaDto) {
    return this.catalog.createArea(dto);
  }

  @Patch(':id') @Roles('admin')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateAreaDto) {
    return this.catalog.updateArea(id, dto);
  }
}

@ApiTags('categories')
@ApiBearerAuth()
@Controller('categories')
export class CategoriesController {
  constructor(private readonly catalog: CatalogService) {}

  @Get() @Roles(...ALL_ROLES)
  list() {
    return this.catalog.listCategories();
  }

  @Get(':id') @Roles(...ALL_ROLES)
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.catalog.getCategory(id);
  }

  @Post() @Roles('admin')
  create(@Body() dto: CreateCategoryDto) {
    return this.catalog.createCategory(dto);
  }

  /** Admins edit everything; supervisors adjust service-level targets too (SPEC §1). */
  @Patch(':id') @Roles('admin', 'supervisor')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateCategoryDto, @CurrentUser() user: AuthenticatedUser) {
    return this.catalog.updateCategory(id, dto, user.role);
  }
}
