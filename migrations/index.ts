import { InitialSchema1764172800000 } from './1764172800000-InitialSchema';
import { SeedSanLuisPotosiCatalog1764172800100 } from './1764172800100-SeedSanLuisPotosiCatalog';
import { SocialIntake1764400000000 } from './1764400000000-SocialIntake';

/** Every migration, in order. A new migration file must be added here (see CONTRIBUTING.md). */
export const MIGRATIONS = [InitialSchema1764172800000, SeedSanLuisPotosiCatalog1764172800100, SocialIntake1764400000000];
