/** Realistic Spanish material for generated data: what San Luis Potosí's residents report, and where. */
export const COLONIAS = [
  'Centro', 'Tequisquiapan', 'Himno Nacional', 'Lomas del Pedregal', 'Jardín', 'Pavón', 'Satélite', 'Progreso',
  'Las Águilas', 'San Felipe', 'Tangamanga', 'Virreyes', 'Del Valle', 'Industrial Aviación', 'Saucito',
  'Prados de San Vicente', 'Bellas Lomas', 'Simón Díaz', 'Tercera Chica', 'San Juan de Guadalupe', 'Morales',
  'Providencia', 'Julián Carrillo', 'Valle Dorado', 'Rancho Pavón', 'Españita', 'San Miguelito', 'Santiago',
  'Tlaxcala', 'El Montecillo', 'Burócrata', 'Real de Lomas', 'Balcones del Valle', 'Fraccionamiento Capricornio',
  'Colinas del Parque', 'Polanco', 'La Libertad', 'Azaleas', 'Los Salazares', 'Garita de Jalisco',
];

export const STREETS = [
  'Av. Venustiano Carranza', 'Calle Zaragoza', 'Av. Himno Nacional', 'Calle Álvaro Obregón', 'Av. Salvador Nava',
  'Calle Independencia', 'Av. Universidad', 'Calle Hidalgo', 'Calle Morelos', 'Av. Muñoz', 'Calzada de Guadalupe',
  'Calle Reforma', 'Av. Industrias', 'Calle Juárez', 'Av. Chapultepec', 'Calle Mariano Arista', 'Av. Damián Carmona',
  'Calle Fray Diego de la Magdalena', 'Av. Nereo Rodríguez Barragán', 'Calle Constitución',
];

/** category code → [subjects, descriptions] */
export const REPORTS: Record<string, [string[], string[]]> = {
  bache: [
    ['Bache enorme', 'Bache peligroso', 'Hoyo en el pavimento', 'Bache frente a la escuela', 'Baches en la avenida'],
    [
      'Hay un bache muy profundo que ya ponchó varias llantas',
      'El pavimento está hundido y se encharca cuando llueve',
      'Un bache enorme a media calle, los coches se pasan al carril contrario',
      'Llevamos meses con el hoyo, ya reportamos antes y no lo han tapado',
    ],
  ],
  'luminaria-apagada': [
    ['Luminaria apagada', 'No hay luz en la calle', 'Poste sin luz', 'Lámpara fundida', 'Alumbrado descompuesto'],
    [
      'La lámpara del poste lleva dos semanas apagada y la calle queda muy oscura',
      'No hay luz en toda la cuadra, es peligroso caminar de noche',
      'La luminaria parpadea toda la noche y luego se apaga',
      'El poste de la esquina no enciende desde la tormenta',
    ],
  ],
  'basura-no-recolectada': [
    ['Basura sin recoger', 'No pasa el camión de la basura', 'Acumulación de basura', 'Basura en la esquina'],
    [
      'El camión recolector no ha pasado en toda la semana y la basura se acumula',
      'Los vecinos tiran basura en el terreno baldío y huele muy mal',
      'Hay bolsas de basura rotas en la banqueta, los perros las esparcen',
    ],
  ],
  'fuga-de-agua': [
    ['Fuga de agua', 'Se fugó el agua', 'Tubería rota', 'Fuga en la banqueta', 'Desperdicio de agua'],
    [
      'Hay una fuga de agua potable que corre por la calle desde ayer',
      'Se rompió la tubería y no tenemos agua en la casa',
      'Sale agua limpia de la banqueta, se está desperdiciando mucha agua',
    ],
  ],
  drenaje: [
    ['Drenaje tapado', 'Alcantarilla sin tapa', 'Brota el drenaje', 'Coladera tapada'],
    ['El drenaje está tapado y brotan aguas negras', 'La alcantarilla no tiene tapa, alguien puede caerse', 'Huele muy mal la coladera'],
  ],
  'poda-parque': [
    ['Poda de árbol', 'Árbol caído', 'Ramas sobre los cables', 'Parque descuidado', 'Pasto muy crecido'],
    [
      'Las ramas del árbol ya tocan los cables de luz',
      'Se cayó un árbol con el viento y bloquea la banqueta',
      'El jardín del parque está abandonado y el pasto muy crecido',
    ],
  ],
  ruido: [
    ['Ruido excesivo', 'Fiesta con música alta', 'Ruido de taller', 'Escándalo nocturno'],
    ['Todos los fines de semana hay fiesta con música a todo volumen hasta la madrugada', 'Un taller trabaja con ruido desde muy temprano'],
  ],
  'animal-abandonado': [
    ['Perro abandonado', 'Animal atropellado', 'Perros callejeros', 'Gato herido'],
    ['Hay un perro abandonado en el camellón, se ve muy flaco', 'Un animal atropellado lleva días en la calle'],
  ],
  'comercio-via-publica': [
    ['Puesto en la banqueta', 'Comercio ambulante', 'Invasión de la vía pública'],
    ['Un puesto ambulante ocupa toda la banqueta y no se puede pasar', 'Colocaron un puesto de tacos sobre la ciclovía'],
  ],
  'queja-servidor-publico': [
    ['Queja contra servidor público', 'Mal trato en ventanilla', 'Inspector pidió dinero'],
    ['El servidor público me atendió de mala manera en la ventanilla', 'Un inspector pidió dinero para no multar el negocio'],
  ],
  otro: [
    ['Solicitud de información', 'Reporte general', 'Pintas en la pared', 'Semáforo descompuesto'],
    ['Quisiera saber a dónde acudir para un trámite', 'Hay grafiti en la barda de la escuela', 'El semáforo de la esquina no funciona'],
  ],
};

export const REPLIES = [
  'Gracias por su reporte, fue turnado al área responsable.',
  'Le informamos que una cuadrilla acudirá en los próximos días.',
  '¿Podría indicarnos el número exterior más cercano?',
  'El área responsable atendió su reporte. Si no quedó resuelto, responda este correo.',
  'Sigue igual, nadie ha venido a revisar.',
  'Muchas gracias, ya quedó arreglado.',
  'Adjunto una foto de cómo está ahora.',
  'Se programó la reparación para la próxima semana.',
];

export const FIRST_NAMES = ['María', 'José', 'Juan', 'Guadalupe', 'Ana', 'Luis', 'Rosa', 'Carlos', 'Patricia', 'Jorge', 'Verónica', 'Miguel', 'Leticia', 'Francisco', 'Alejandra', 'Ricardo', 'Gabriela', 'Fernando', 'Lucía', 'Arturo'];
export const LAST_NAMES = ['Hernández', 'García', 'Martínez', 'López', 'González', 'Rodríguez', 'Pérez', 'Sánchez', 'Ramírez', 'Torres', 'Flores', 'Rivera', 'Gómez', 'Díaz', 'Cruz', 'Morales', 'Reyes', 'Gutiérrez', 'Ortiz', 'Castillo'];
