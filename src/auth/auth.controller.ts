import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RateLimit } from '../common/rate-limit';
import { ALL_ROLES } from '../users/user-role';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { AuthenticatedUser, CurrentUser } from './authenticated-user';
import { LoginDto } from './dto/login.dto';
import { Public, Roles } from './roles.decorator';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @RateLimit('login')
  login(@Body() dto: LoginDto, @Ip() ip: string) {
    return this.auth.login(dto.email, dto.password, ip);
  }

  /** Ends every session of the caller (all tokens issued to them so far), not only this one. */
  @Post('logout')
  @Roles(...ALL_ROLES)
  @ApiBearerAuth()
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.auth.logout(user.id);
  }

  @Get('me')
  @Roles(...ALL_ROLES)
  @ApiBearerAuth()
  me(@CurrentUser() user: AuthenticatedUser) {
    return this.users.get(user.id);
  }
}
