/**
 * The catch-all category ("Otro"). A ticket that ends up with no category — no keyword matched, or
 * a transparency request — keeps no category (it still needs an agent's classification, and shows
 * as "Sin categoría" in reports) but is held to this category's service-level targets: its due
 * dates come from them, and the SLA job's accept target uses its accept_days.
 */
export const OTHER_CATEGORY_CODE = 'otro';
