/**
 * The texts installed by the migration; admins replace them through the API
 * (PUT /api/v1/privacy-notice/{kind}). Format: paragraphs separated by a blank line,
 * `## ` starts a heading, `- ` a list item.
 */
export const DEFAULT_PRIVACY_NOTICES = [
  {
    kind: 'simplificado',
    title: 'Aviso de privacidad simplificado',
    body: `El H. Ayuntamiento de San Luis Potosí, a través de la Dirección de Atención Ciudadana, es el responsable del tratamiento de los datos personales que nos proporcione al presentar un reporte ciudadano por correo electrónico, redes sociales, teléfono o en ventanilla.

Sus datos (nombre, correo electrónico, teléfono, usuario de redes sociales, domicilio o ubicación del reporte y las fotografías que envíe) se usarán únicamente para registrar, turnar, atender y dar seguimiento a su reporte, informarle de su estado y elaborar estadísticas que no lo identifican.

No se realizan transferencias de sus datos personales, salvo a las áreas municipales y organismos responsables de atender su reporte y las que sean necesarias para atender requerimientos de una autoridad competente, debidamente fundados y motivados.

Usted puede ejercer sus derechos de acceso, rectificación, cancelación y oposición (ARCO) ante la Unidad de Transparencia del Ayuntamiento. Consulte el aviso de privacidad integral en esta misma página.`,
  },
  {
    kind: 'integral',
    title: 'Aviso de privacidad integral',
    body: `## Responsable
El H. Ayuntamiento de San Luis Potosí, por conducto de la Dirección de Atención Ciudadana, es el responsable del tratamiento de los datos personales que se recaban a través del sistema Enlace Ciudadano, conforme a la Ley General de Protección de Datos Personales en Posesión de Sujetos Obligados y la Ley de Protección de Datos Personales en Posesión de Sujetos Obligados del Estado de San Luis Potosí.

## Datos personales que se recaban
- Nombre.
- Correo electrónico.
- Número telefónico.
- Usuario e identificador en redes sociales (Facebook, Instagram, WhatsApp, Telegram, X, TikTok, YouTube).
- Domicilio o ubicación del hecho reportado.
- Fotografías y archivos que usted envíe.

No se recaban datos personales sensibles.

## Finalidades
Sus datos se utilizan para registrar su reporte y asignarle un folio; turnarlo al área responsable; comunicarle el estado de su reporte y solicitarle información adicional; y elaborar informes estadísticos que no permiten identificarlo.

## Fundamento legal
Artículos 3, fracción IX, 26, 27 y 28 de la Ley General de Protección de Datos Personales en Posesión de Sujetos Obligados, y la normativa estatal y municipal aplicable a la atención ciudadana.

## Transferencias
Sus datos se comunican únicamente a las áreas municipales y organismos operadores (por ejemplo, Interapas) responsables de atender su reporte, y a las autoridades competentes que los requieran mediante mandamiento fundado y motivado. No se requiere su consentimiento para estas transferencias.

## Conservación
Los datos se conservan mientras su reporte esté en trámite y, una vez cerrado, durante el plazo de conservación establecido por el Ayuntamiento; al vencer, se anonimizan: el reporte se conserva con fines estadísticos sin datos que lo identifiquen.

## Derechos ARCO
Usted puede solicitar el acceso, la rectificación, la cancelación de sus datos personales u oponerse a su tratamiento ante la Unidad de Transparencia del H. Ayuntamiento de San Luis Potosí, presencialmente o a través de la Plataforma Nacional de Transparencia. Su solicitud debe indicar su nombre, un medio para recibir notificaciones, los documentos que acrediten su identidad y la descripción clara de los datos y del derecho que desea ejercer.

## Cambios a este aviso
Cualquier cambio a este aviso de privacidad se publicará en esta misma dirección.`,
  },
] as const;
